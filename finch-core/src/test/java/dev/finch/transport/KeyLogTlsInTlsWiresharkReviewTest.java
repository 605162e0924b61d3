package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.FinchClient;
import dev.finch.Request;
import dev.finch.conn.ConnectOptions;
import dev.finch.conn.Proxy;
import dev.finch.conn.ProxyConfig;
import dev.finch.pool.PoolConfig;
import dev.finch.testing.JettyServer;
import dev.finch.testing.TestCertificates;
import dev.finch.testing.TestProxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review evidence: when both hops (the https proxy's TlsOptions and the pool's) log to the file, tshark decrypts the
 * proxy hop (the CONNECT is visible); tshark 4.0.17 then shows the origin's TLS inside the tunnel as "HTTP
 * Continuation" rather than dissecting it. With the pool's file alone (KeyLogThroughHttpsProxyReviewTest) not even
 * the proxy hop is in the key log.
 */
class KeyLogTlsInTlsWiresharkReviewTest {
    @TempDir
    Path dir;

    @Test
    void tsharkDecryptsTheProxyHopWhenItsTlsOptionsLogToo() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/dumpcap")));
        Path keys = dir.resolve("keys.log");
        Path pcap = dir.resolve("c.pcapng");
        TestCertificates certs = TestCertificates.get();
        TlsOptions logging = TlsOptions.builder()
                .trustStore(certs.trustStore())
                .keyLogFile(keys)
                .build();
        Process dumpcap = new ProcessBuilder(
                        "/usr/bin/dumpcap", "-q", "-i", "lo", "-a", "duration:60", "-w", pcap.toString(), "-f", "tcp")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("dumpcap.out").toFile())
                .start();
        int proxyPort;
        try {
            Thread.sleep(2000);
            try (JettyServer server = JettyServer.https();
                    TestProxy proxy = TestProxy.builder().tls().start()) {
                proxyPort = proxy.port();
                Proxy https =
                        Proxy.https("127.0.0.1", proxy.port()).tls(logging).build();
                try (FinchClient client = FinchClient.builder()
                        .pool(
                                server.baseUrl(),
                                PoolConfig.builder()
                                        .connectOptions(ConnectOptions.builder()
                                                .tls(logging)
                                                .proxy(ProxyConfig.all(https))
                                                .build())
                                        .build())
                        .build()) {
                    assertThat(client.request(Request.get(server.baseUrl() + "/bytes/4242"))
                                    .status())
                            .isEqualTo(200);
                }
            }
            Thread.sleep(1500);
        } finally {
            dumpcap.destroy();
            dumpcap.waitFor(10, TimeUnit.SECONDS);
            dumpcap.destroyForcibly();
        }
        Process tshark = new ProcessBuilder(
                        "/usr/bin/tshark",
                        "-r",
                        pcap.toString(),
                        "-o",
                        "tls.keylog_file:" + keys,
                        "-d",
                        "tcp.port==" + proxyPort + ",tls",
                        "-Y",
                        "tcp.port==" + proxyPort,
                        "-T",
                        "fields",
                        "-e",
                        "frame.number",
                        "-e",
                        "http.request.method",
                        "-e",
                        "http.request.uri")
                .redirectErrorStream(true)
                .start();
        String out = new String(tshark.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        tshark.waitFor(60, TimeUnit.SECONDS);
        System.out.println("REVIEW tshark:\n" + out);
        System.out.println("REVIEW keys:\n" + Files.readString(keys));
        // The outer hop decrypts (CONNECT visible); tshark 4.0 shows the inner TLS as "HTTP Continuation", not as TLS.
        assertThat(out).contains("CONNECT");
    }
}

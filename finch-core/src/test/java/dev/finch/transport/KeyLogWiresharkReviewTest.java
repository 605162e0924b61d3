package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.FinchClient;
import dev.finch.Request;
import dev.finch.Response;
import dev.finch.conn.ConnectOptions;
import dev.finch.conn.Protocol;
import dev.finch.pool.PoolConfig;
import dev.finch.testing.JettyServer;
import dev.finch.testing.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Review: tshark decrypts a loopback capture of Finch requests with the key log Finch wrote. */
class KeyLogWiresharkReviewTest {
    @TempDir
    Path dir;

    @Test
    void tsharkDecryptsHttp11AndH2OverTls12And13() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/dumpcap")));
        Path keys = dir.resolve("keys.log");
        Path pcap = dir.resolve("capture.pcapng");
        TlsOptions tls = TlsOptions.builder()
                .trustStore(TestCertificates.get().trustStore())
                .keyLogFile(keys)
                .build();
        Process dumpcap = new ProcessBuilder(
                        "/usr/bin/dumpcap", "-q", "-i", "lo", "-a", "duration:90", "-w", pcap.toString(), "-f", "tcp")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("dumpcap.out").toFile())
                .start();
        String ports;
        try {
            Thread.sleep(2000);
            try (JettyServer h2Tls13 = JettyServer.h2();
                    JettyServer h1Tls13 = JettyServer.https();
                    JettyServer h2Tls12 = JettyServer.builder()
                            .tls()
                            .tlsProtocols("TLSv1.2")
                            .http2()
                            .start();
                    JettyServer h1Tls12 =
                            JettyServer.builder().tls().tlsProtocols("TLSv1.2").start();
                    FinchClient client = FinchClient.builder()
                            .defaultPool(PoolConfig.builder()
                                    .protocols(Protocol.HTTP1, Protocol.HTTP2)
                                    .connectOptions(
                                            ConnectOptions.builder().tls(tls).build())
                                    .build())
                            .build()) {
                ports = h2Tls13.port() + "," + h1Tls13.port() + "," + h2Tls12.port() + "," + h1Tls12.port();
                for (var s : List.of(
                        List.of(h2Tls13, "/bytes/1302"),
                        List.of(h1Tls13, "/bytes/1301"),
                        List.of(h2Tls12, "/bytes/1202"),
                        List.of(h1Tls12, "/bytes/1201"))) {
                    Response r = client.request(Request.get(((JettyServer) s.get(0)).baseUrl() + s.get(1)));
                    assertThat(r.status()).isEqualTo(200);
                }
            }
            Thread.sleep(1500);
        } finally {
            dumpcap.destroy();
            dumpcap.waitFor(10, TimeUnit.SECONDS);
            dumpcap.destroyForcibly();
        }
        System.out.println("REVIEW ports h2/1.3, h1/1.3, h2/1.2, h1/1.2: " + ports);
        Process tshark = new ProcessBuilder(
                        "/usr/bin/tshark",
                        "-r",
                        pcap.toString(),
                        "-o",
                        "tls.keylog_file:" + keys,
                        "-d",
                        "tcp.port==" + ports.split(",")[1] + ",tls",
                        "-Y",
                        "http.request or http2.type == 1",
                        "-T",
                        "fields",
                        "-e",
                        "tcp.dstport",
                        "-e",
                        "tls.record.version",
                        "-e",
                        "http.request.uri",
                        "-e",
                        "http2.headers.path")
                .redirectErrorStream(true)
                .start();
        String out = new String(tshark.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        tshark.waitFor(60, TimeUnit.SECONDS);
        System.out.println("REVIEW tshark:\n" + out);
        assertThat(out).contains("/bytes/1302", "/bytes/1301", "/bytes/1202", "/bytes/1201");
    }
}

package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.FinchClient;
import dev.finch.Request;
import dev.finch.Response;
import dev.finch.conn.ConnectOptions;
import dev.finch.conn.Protocol;
import dev.finch.conn.Proxy;
import dev.finch.pool.PoolConfig;
import dev.finch.testing.JettyServer;
import dev.finch.testing.TestCertificates;
import dev.finch.testing.TestProxy;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What key logging is for: tshark decrypts a loopback capture of Finch's connections with the key log Finch wrote.
 * Needs Wireshark's {@code dumpcap} and {@code tshark} on the PATH and the permission to capture on the loopback
 * interface ({@code lo}); skipped, saying which is missing, otherwise. Not run by {@code .ci/run}, which installs no
 * Wireshark.
 */
class KeyLogWiresharkTest {
    private static final TestCertificates CERTS = TestCertificates.get();
    private static Path dumpcap;
    private static Path tshark;

    @TempDir
    Path dir;

    @BeforeAll
    static void findWireshark() {
        dumpcap = OpenSslServer.onPath("dumpcap");
        tshark = OpenSslServer.onPath("tshark");
        Assumptions.assumeTrue(
                dumpcap != null && tshark != null,
                "dumpcap and tshark are not on the PATH: the Wireshark decryption checks are skipped"
                        + " (install them, e.g. apt-get install tshark)");
    }

    @Test
    void tsharkDecryptsHttp11AndH2OverTls12And13() throws Exception {
        Path keys = dir.resolve("keys.log");
        TlsOptions tls = TlsOptions.builder()
                .trustStore(CERTS.trustStore())
                .keyLogFile(keys)
                .build();
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
                        .build();
                Capture capture = Capture.start(dir, h2Tls13.port(), h1Tls13.port(), h2Tls12.port(), h1Tls12.port())) {
            request(client, h2Tls13, "/bytes/1302");
            request(client, h1Tls13, "/bytes/1301");
            request(client, h2Tls12, "/bytes/1202");
            request(client, h1Tls12, "/bytes/1201");
            capture.stop();

            String out = capture.tshark(
                    keys,
                    List.of(
                            // Jetty's ports are not ones tshark takes for TLS by itself (its h2 ports are, by
                            // ALPN): both HTTP/1.1 servers' ports are named.
                            "-d",
                            "tcp.port==" + h1Tls13.port() + ",tls",
                            "-d",
                            "tcp.port==" + h1Tls12.port() + ",tls",
                            "-Y",
                            "http.request or http2.type == 1",
                            "-T",
                            "fields",
                            "-e",
                            "http.request.uri",
                            "-e",
                            "http2.headers.path"));
            assertThat(out).contains("/bytes/1302", "/bytes/1301", "/bytes/1202", "/bytes/1201");
        }
    }

    /**
     * Through an https proxy with the pool's key log file alone (the proxy's TLS options set none): the proxy hop
     * is logged too, so tshark decrypts it and shows the CONNECT inside.
     */
    @Test
    void tsharkDecryptsTheHttpsProxyHopWithThePoolsKeyLogFile() throws Exception {
        Path keys = dir.resolve("keys.log");
        TlsOptions logging = TlsOptions.builder()
                .trustStore(CERTS.trustStore())
                .keyLogFile(keys)
                .build();
        try (JettyServer server = JettyServer.https();
                TestProxy proxy = TestProxy.builder().tls().start();
                Capture capture = Capture.start(dir, proxy.port())) {
            Proxy https = Proxy.https("127.0.0.1", proxy.port())
                    .tls(TlsOptions.builder()
                            .trustStore(CERTS.trustStore())
                            .ignoreSslKeyLogFile()
                            .build())
                    .build();
            KeyLogThroughHttpsProxyTest.requestThrough(https, server, logging, 1);
            capture.stop();

            String out = capture.tshark(
                    keys,
                    List.of(
                            "-d",
                            "tcp.port==" + proxy.port() + ",tls",
                            "-Y",
                            "tcp.port==" + proxy.port() + " and http.request",
                            "-T",
                            "fields",
                            "-e",
                            "http.request.method",
                            "-e",
                            "http.request.uri"));
            // tshark 4.0 shows the origin's TLS inside the tunnel as "HTTP Continuation" rather than dissecting it;
            // the outer hop decrypting is what the proxy hop's secrets are for.
            assertThat(out).contains("CONNECT");
        }
    }

    /**
     * A TLS 1.3 KeyUpdate (server-initiated, asking for one back) on a key-logging connection: the connection goes on
     * in both directions, and tshark, given only the {@code _0} secrets Finch logged, derives the next ones and
     * decrypts the data after the update. Needs {@code openssl} too.
     */
    @Test
    void tsharkDecryptsTrafficAfterATls13KeyUpdate() throws Exception {
        Path openssl = OpenSslServer.onPath("openssl");
        Assumptions.assumeTrue(openssl != null, "openssl is not on the PATH: the KeyUpdate check is skipped");
        Path keys = dir.resolve("keys.log");
        TlsOptions tls = TlsOptions.builder()
                .trustStore(CERTS.trustStore())
                .keyLogFile(keys)
                .build();
        try (OpenSslServer server = OpenSslServer.start(openssl, dir, List.of("-naccept", "1", "-tls1_3", "-ign_eof"));
                Capture capture = Capture.start(dir, server.port())) {
            int port = server.port();
            try (Transport t = Transports.tls(
                    Transports.tcp("127.0.0.1", port, false, Io.deadline()),
                    tls,
                    "localhost",
                    List.of(),
                    Io.deadline())) {
                OutputStream stdin = server.process().getOutputStream();
                Io.write(t, "ping-before-update\n");
                send(stdin, "pong-before-update\n");
                assertThat(Io.readUntil(t, "pong-before-update\n")).contains("pong-before-update");
                // s_server: "K" sends a KeyUpdate with update_requested; what follows is under the next keys.
                send(stdin, "K\n");
                // "K" must be alone on s_server's read of its stdin, or it is taken for data. s_server looks at its
                // stdin before its connection in each round, and prints what it receives unbuffered: once it printed
                // this, it has read the "K" (its own messages are buffered, so not waited for).
                Io.write(t, "ping-while-updating\n");
                server.awaitOutput("ping-while-updating");
                send(stdin, "pong-after-update\n");
                assertThat(Io.readUntil(t, "pong-after-update\n")).contains("pong-after-update");
                Io.write(t, "ping-after-update\n");
                server.awaitOutput("ping-after-update");
            }
            capture.stop();

            assertThat(server.output()).contains("ping-before-update", "SSL_do_handshake -> 1", "ping-after-update");
            String out =
                    capture.tshark(keys, List.of("-d", "tcp.port==" + port + ",tls", "-q", "-z", "follow,tls,ascii,0"));
            assertThat(out).contains("pong-before-update", "pong-after-update", "ping-after-update");
        }
    }

    private static void request(FinchClient client, JettyServer server, String path) throws Exception {
        Response r = client.request(Request.get(server.baseUrl() + path));
        assertThat(r.status()).isEqualTo(200);
    }

    private static void send(OutputStream stdin, String text) throws Exception {
        stdin.write(text.getBytes(StandardCharsets.US_ASCII));
        stdin.flush();
    }

    /** A dumpcap capture of the loopback interface's TCP traffic to and from some ports, into the test's directory. */
    private static final class Capture implements AutoCloseable {
        private final Process process;
        private final Path pcap;
        private final Path log;

        private Capture(Process process, Path pcap, Path log) {
            this.process = process;
            this.pcap = pcap;
            this.log = log;
        }

        /**
         * Starts capturing and waits until dumpcap has written the capture file's header (bounded: 20 s); skips the
         * test if dumpcap cannot capture on {@code lo} (no permission, no such interface).
         */
        static Capture start(Path dir, int... ports) throws Exception {
            StringBuilder filter = new StringBuilder("tcp and (");
            for (int i = 0; i < ports.length; i++) {
                filter.append(i == 0 ? "" : " or ").append("port ").append(ports[i]);
            }
            filter.append(')');
            Path pcap = dir.resolve("capture.pcapng");
            Path log = dir.resolve("dumpcap.out");
            Process p = new ProcessBuilder(
                            dumpcap.toString(),
                            "-i",
                            "lo",
                            // A safety net: the test stops it long before.
                            "-a",
                            "duration:120",
                            // Only the test's own servers: the loopback of a shared machine carries other traffic.
                            "-f",
                            filter.toString(),
                            "-w",
                            pcap.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            Capture capture = new Capture(p, pcap, log);
            // Bounded: 200 rounds of 100 ms.
            for (int i = 0; i < 200; i++) {
                if (!p.isAlive()) {
                    String why = Files.readString(log, StandardCharsets.UTF_8).strip();
                    capture.close();
                    Assumptions.abort("dumpcap cannot capture on the loopback interface (no capture permission?):"
                            + " the Wireshark decryption checks are skipped. dumpcap said: " + why);
                }
                if (Files.readString(log, StandardCharsets.UTF_8).contains("Capturing on")
                        && Files.exists(pcap)
                        && Files.size(pcap) > 0) {
                    // dumpcap says so just before its capture loop: give it a moment to be in it.
                    Thread.sleep(500);
                    return capture;
                }
                Thread.sleep(100);
            }
            capture.close();
            throw new AssertionError("dumpcap did not start capturing within 20 s: " + Files.readString(log));
        }

        /** Stops capturing once the last packets are in, and waits for dumpcap to finish the file (bounded). */
        void stop() throws Exception {
            // The capture is asynchronous: let the loopback packets of the last exchange reach dumpcap.
            Thread.sleep(1000);
            process.destroy();
            assertThat(process.waitFor(20, TimeUnit.SECONDS))
                    .as("dumpcap stops")
                    .isTrue();
        }

        /** tshark's output for the capture, decrypted with {@code keys} (written out first), and {@code arguments}. */
        String tshark(Path keys, List<String> arguments) throws Exception {
            KeyLogTest.written(keys);
            List<String> command =
                    new ArrayList<>(List.of(tshark.toString(), "-r", pcap.toString(), "-o", "tls.keylog_file:" + keys));
            command.addAll(arguments);
            Path out = pcap.resolveSibling("tshark.out");
            Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .start();
            try {
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("tshark ends").isTrue();
            } finally {
                p.destroyForcibly();
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws Exception {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}

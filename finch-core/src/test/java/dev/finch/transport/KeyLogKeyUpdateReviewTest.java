package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.testing.TestCertificates;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review: a TLS 1.3 KeyUpdate (server-initiated, update_requested) on a key-logging connection: the connection goes
 * on in both directions, and tshark, given only the _0 secrets Finch logged, decrypts the data after the update.
 */
class KeyLogKeyUpdateReviewTest {
    private static final Pattern ACCEPT = Pattern.compile("ACCEPT 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    @Test
    void tsharkDecryptsTrafficAfterAKeyUpdate() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/dumpcap")));
        TestCertificates certs = TestCertificates.get();
        TestCertificates.Credential server = certs.localhost();
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Path keys = dir.resolve("keys.log");
        Path pcap = dir.resolve("c.pcapng");
        Path output = dir.resolve("s_server.out");
        StringBuilder chain = new StringBuilder();
        for (X509Certificate c : server.chain()) {
            chain.append(TestCertificates.pem(c));
        }
        Files.writeString(cert, chain, StandardCharsets.US_ASCII);
        Files.writeString(
                key,
                "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder()
                                .encodeToString(server.privateKey().getEncoded())
                        + "\n-----END PRIVATE KEY-----\n",
                StandardCharsets.US_ASCII);
        Process dumpcap = new ProcessBuilder(
                        "/usr/bin/dumpcap", "-q", "-i", "lo", "-a", "duration:60", "-w", pcap.toString(), "-f", "tcp")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("dumpcap.out").toFile())
                .start();
        Process s = null;
        int port = 0;
        try {
            Thread.sleep(2000);
            s = new ProcessBuilder(
                            "/usr/bin/openssl",
                            "s_server",
                            "-accept",
                            "127.0.0.1:0",
                            "-cert",
                            cert.toString(),
                            "-key",
                            key.toString(),
                            "-naccept",
                            "1",
                            "-tls1_3",
                            "-ign_eof")
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            port = awaitPort(output);
            TlsOptions tls = TlsOptions.builder()
                    .trustStore(certs.trustStore())
                    .keyLogFile(keys)
                    .build();
            try (Transport t = Transports.tls(
                    Transports.tcp("127.0.0.1", port, false, Io.deadline()),
                    tls,
                    "localhost",
                    List.of(),
                    Io.deadline())) {
                Io.write(t, "ping-before-update\n");
                OutputStream stdin = s.getOutputStream();
                stdin.write("pong-before-update\n".getBytes(StandardCharsets.US_ASCII));
                stdin.flush();
                assertThat(Io.readUntil(t, "pong-before-update\n")).contains("pong-before-update");
                stdin.write("K\n".getBytes(StandardCharsets.US_ASCII));
                stdin.flush();
                Thread.sleep(500);
                stdin.write("pong-after-update\n".getBytes(StandardCharsets.US_ASCII));
                stdin.flush();
                assertThat(Io.readUntil(t, "pong-after-update\n")).contains("pong-after-update");
                Io.write(t, "ping-after-update\n");
                Thread.sleep(500);
            }
            Thread.sleep(1000);
        } finally {
            if (s != null) {
                s.destroyForcibly();
                s.waitFor(10, TimeUnit.SECONDS);
            }
            dumpcap.destroy();
            dumpcap.waitFor(10, TimeUnit.SECONDS);
            dumpcap.destroyForcibly();
        }
        String serverOut = Files.readString(output, StandardCharsets.ISO_8859_1);
        System.out.println("REVIEW s_server output:\n" + serverOut);
        assertThat(serverOut).contains("ping-before-update", "SSL_do_handshake -> 1", "ping-after-update");
        Process tshark = new ProcessBuilder(
                        "/usr/bin/tshark",
                        "-r",
                        pcap.toString(),
                        "-o",
                        "tls.keylog_file:" + keys,
                        "-d",
                        "tcp.port==" + port + ",tls",
                        "-q",
                        "-z",
                        "follow,tls,ascii,0")
                .redirectErrorStream(true)
                .start();
        String out = new String(tshark.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        tshark.waitFor(60, TimeUnit.SECONDS);
        System.out.println("REVIEW tshark:\n" + out);
        System.out.println("REVIEW keys:\n" + Files.readString(keys));
        assertThat(out).contains("pong-before-update", "pong-after-update", "ping-after-update");
    }

    private static int awaitPort(Path output) throws Exception {
        for (int i = 0; i < 200; i++) {
            Matcher m = ACCEPT.matcher(Files.readString(output, StandardCharsets.ISO_8859_1));
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no s_server");
    }
}

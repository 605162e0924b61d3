package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.testing.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Review: with a client certificate (server requests and verifies it), the logged lines equal OpenSSL's. */
class KeyLogClientCertOpenSslReviewTest {
    private static final Pattern ACCEPT = Pattern.compile("ACCEPT 127\\.0\\.0\\.1:(\\d+)");

    @org.junit.jupiter.api.io.TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"-tls1_2", "-tls1_3"})
    void mutualTlsLogsTheSecretsOpenSslUsed(String version) throws Exception {
        Path openssl = Path.of("/usr/bin/openssl");
        Assumptions.assumeTrue(Files.isExecutable(openssl));
        TestCertificates certs = TestCertificates.get();
        TestCertificates.Credential server = certs.localhost();
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Path ca = dir.resolve("ca.pem");
        Path serverLog = dir.resolve("server.log");
        Path clientLog = dir.resolve("client.log");
        Path output = dir.resolve("out");
        StringBuilder chain = new StringBuilder();
        for (X509Certificate c : server.chain()) {
            chain.append(TestCertificates.pem(c));
        }
        Files.writeString(cert, chain, StandardCharsets.US_ASCII);
        Files.writeString(ca, certs.caPem(), StandardCharsets.US_ASCII);
        Files.writeString(
                key,
                "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder()
                                .encodeToString(server.privateKey().getEncoded())
                        + "\n-----END PRIVATE KEY-----\n",
                StandardCharsets.US_ASCII);
        Process p = new ProcessBuilder(List.of(
                        openssl.toString(),
                        "s_server",
                        "-accept",
                        "127.0.0.1:0",
                        "-cert",
                        cert.toString(),
                        "-key",
                        key.toString(),
                        "-CAfile",
                        ca.toString(),
                        "-Verify",
                        "2",
                        "-verify_return_error",
                        "-keylogfile",
                        serverLog.toString(),
                        "-naccept",
                        "1",
                        "-www",
                        version))
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        String body;
        try {
            int port = 0;
            for (int i = 0; i < 200 && port == 0; i++) {
                Matcher m = ACCEPT.matcher(Files.readString(output, StandardCharsets.ISO_8859_1));
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                } else {
                    Thread.sleep(100);
                }
            }
            TlsOptions tls = TlsOptions.builder()
                    .trustStore(certs.trustStore())
                    .clientCertificate(certs.client("finch-client").keyStore(), TestCertificates.PASSWORD.toCharArray())
                    .keyLogFile(clientLog)
                    .build();
            try (Transport t = Transports.tls(
                    Transports.tcp("127.0.0.1", port, false, Io.deadline()),
                    tls,
                    "localhost",
                    List.of(),
                    Io.deadline())) {
                Io.Response r = Io.get(t, "localhost", "/");
                assertThat(r.status()).isEqualTo(200);
                body = new String(r.body(), StandardCharsets.ISO_8859_1);
            }
            p.waitFor(20, TimeUnit.SECONDS);
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(body).contains("finch-client");
        Map<String, String> client = map(Files.readAllLines(clientLog));
        Map<String, String> serverSide = map(Files.readAllLines(serverLog));
        assertThat(client).hasSize(version.equals("-tls1_3") ? 4 : 1);
        serverSide.keySet().retainAll(client.keySet());
        assertThat(client).isEqualTo(serverSide);
    }

    private static Map<String, String> map(List<String> lines) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : lines) {
            if (!line.isEmpty() && !line.startsWith("#")) {
                String[] x = line.split(" ");
                m.put(x[0] + " " + x[1], x[2]);
            }
        }
        return m;
    }
}

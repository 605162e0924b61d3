package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.testing.TestCertificates;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The secrets Finch logs are the ones the session used: OpenSSL's {@code s_server -keylogfile}, an independent TLS
 * implementation, logs its own NSS lines for the same connection, and for that client random both files must hold
 * the same labels with the same secrets. Skipped when {@code openssl} is not on the PATH.
 */
class KeyLogOpenSslTest {
    private static final Pattern ACCEPT = Pattern.compile("ACCEPT 127\\.0\\.0\\.1:(\\d+)");
    private static Path openssl;

    @TempDir
    Path dir;

    @BeforeAll
    static void findOpenSsl() {
        String path = System.getenv("PATH");
        for (String entry : path == null ? new String[0] : path.split(File.pathSeparator)) {
            Path candidate = Path.of(entry, "openssl");
            if (Files.isExecutable(candidate)) {
                openssl = candidate;
                return;
            }
        }
        Assumptions.abort("openssl is not on the PATH: the comparison with OpenSSL's own key log is skipped"
                + " (install it, e.g. apt-get install openssl)");
    }

    private static final String TLS13 = "CLIENT_HANDSHAKE_TRAFFIC_SECRET SERVER_HANDSHAKE_TRAFFIC_SECRET"
            + " CLIENT_TRAFFIC_SECRET_0 SERVER_TRAFFIC_SECRET_0";

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "-tls1_2, TLSv1.2, CLIENT_RANDOM",
        "-tls1_3, TLSv1.3, " + TLS13,
        // SHA-384: 48-byte secrets.
        "-tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384, TLSv1.3, " + TLS13,
        // A group the client sends no key share for: a HelloRetryRequest comes first.
        "-tls1_3 -groups secp384r1, TLSv1.3, " + TLS13
    })
    void logsTheSecretsOpenSslUsedForTheSameSession(String options, String version, String labels) throws Exception {
        TestCertificates certs = TestCertificates.get();
        TestCertificates.Credential server = certs.localhost();
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Path serverLog = dir.resolve("server-keys.log");
        Path clientLog = dir.resolve("client-keys.log");
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

        List<String> command = new ArrayList<>(List.of(
                openssl.toString(),
                "s_server",
                "-accept",
                "127.0.0.1:0",
                "-cert",
                cert.toString(),
                "-key",
                key.toString(),
                "-keylogfile",
                serverLog.toString(),
                "-naccept",
                "1",
                "-www"));
        command.addAll(List.of(options.split(" ")));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        try {
            int port = awaitPort(process, output);
            TlsOptions tls = TlsOptions.builder()
                    .trustStore(certs.trustStore())
                    .keyLogFile(clientLog)
                    .build();
            try (Transport t = Transports.tls(
                    Transports.tcp("127.0.0.1", port, false, Io.deadline()),
                    tls,
                    "localhost",
                    List.of(),
                    Io.deadline())) {
                assertThat(t.sslSession().getProtocol()).isEqualTo(version);
                // s_server -www answers a GET with a status page and closes: the whole session ran.
                assertThat(Io.get(t, "localhost", "/").status()).isEqualTo(200);
            }
            assertThat(process.waitFor(20, TimeUnit.SECONDS))
                    .as("s_server exits after its one connection")
                    .isTrue();
        } finally {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }

        Map<String, String> client = secrets(Files.readAllLines(clientLog), null);
        String clientRandom = client.remove("random");
        assertThat(client.keySet()).containsExactly(labels.split(" "));
        Map<String, String> serverSide = secrets(Files.readAllLines(serverLog), clientRandom);
        serverSide.keySet().retainAll(client.keySet());
        assertThat(serverSide)
                .as("OpenSSL's lines for client random " + clientRandom)
                .isEqualTo(client);
    }

    /** Reads s_server's output until it says which port it listens on (bounded: 20 s). */
    private static int awaitPort(Process process, Path output) throws Exception {
        for (int i = 0; i < 200; i++) {
            Matcher m = ACCEPT.matcher(Files.readString(output, StandardCharsets.ISO_8859_1));
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("openssl s_server did not start: " + Files.readString(output));
    }

    /**
     * The label → secret map of the lines for {@code clientRandom}; with {@code null}, of the lines of the one client
     * random the file holds, which is put under the key {@code random}.
     */
    private static Map<String, String> secrets(List<String> lines, String clientRandom) {
        Map<String, String> secrets = new LinkedHashMap<>();
        String random = clientRandom;
        for (String line : lines) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue; // OpenSSL starts its file with a comment
            }
            Matcher m = KeyLogTest.LINE.matcher(line);
            assertThat(m.matches()).as("NSS key log line: %s", line).isTrue();
            if (random == null) {
                random = m.group(2);
            }
            if (m.group(2).equals(random)) {
                assertThat(secrets.put(m.group(1), m.group(3)))
                        .as("one %s line", m.group(1))
                        .isNull();
            } else {
                assertThat(clientRandom).as("lines of one session only").isNotNull();
            }
        }
        if (clientRandom == null) {
            secrets.put("random", random);
        }
        return secrets;
    }
}

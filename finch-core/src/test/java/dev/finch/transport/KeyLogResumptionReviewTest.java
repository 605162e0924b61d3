package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.testing.TestCertificates;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Review: resumed sessions against OpenSSL's s_server, with and without key logging. */
class KeyLogResumptionReviewTest {
    private static final Pattern ACCEPT = Pattern.compile("ACCEPT 127\\.0\\.0\\.1:(\\d+)");
    private static final Path OPENSSL = Path.of("/usr/bin/openssl");

    @TempDir
    Path dir;

    /** Passes: resumed TLS 1.2 sessions (ticket and session id) log the master secret OpenSSL used. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"-tls1_2", "-tls1_2 -no_ticket"})
    void resumedTls12SessionsLogTheSecretsOpenSslUsed(String options) throws Exception {
        Path clientLog = dir.resolve("client-keys.log");
        List<String> bodies = connectThrice(options, clientLog);
        Map<String, String> client = map(Files.readAllLines(clientLog));
        Map<String, String> serverSide = map(Files.readAllLines(dir.resolve("server-keys.log")));
        assertThat(client).hasSize(3);
        serverSide.keySet().retainAll(client.keySet());
        assertThat(client).isEqualTo(serverSide);
        assertThat(bodies.get(1)).contains("Reused,");
        assertThat(bodies.get(2)).contains("Reused,");
    }

    /** Passes: the control, the JDK's client (key logging off) resumes TLS 1.3 with OpenSSL's tickets. */
    @Test
    void controlTheJdkClientResumesTls13() throws Exception {
        List<String> bodies = connectThrice("-tls1_3", null);
        assertThat(bodies.get(2)).contains("Reused,");
    }

    /**
     * Fails: with key logging on (Bouncy Castle 1.80 client) a TLS 1.3 session is never resumed, although OpenSSL
     * issues tickets and the JDK's client resumes them; docs/connection.md "What does not work with it" omits this.
     */
    @Test
    void tls13SessionsAreNeverResumedWithKeyLoggingOn() throws Exception {
        List<String> bodies = connectThrice("-tls1_3", dir.resolve("client-keys.log"));
        assertThat(bodies.get(2)).contains("Reused,");
    }

    private List<String> connectThrice(String options, Path clientLog) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(OPENSSL));
        TestCertificates certs = TestCertificates.get();
        TestCertificates.Credential server = certs.localhost();
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
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
                OPENSSL.toString(),
                "s_server",
                "-accept",
                "127.0.0.1:0",
                "-cert",
                cert.toString(),
                "-key",
                key.toString(),
                "-keylogfile",
                dir.resolve("server-keys.log").toString(),
                "-naccept",
                "3",
                "-www"));
        command.addAll(List.of(options.split(" ")));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        List<String> bodies = new ArrayList<>();
        try {
            int port = awaitPort(process, output);
            TlsOptions.Builder b =
                    TlsOptions.builder().trustStore(certs.trustStore()).environment(n -> null);
            TlsOptions tls =
                    clientLog == null ? b.build() : b.keyLogFile(clientLog).build();
            for (int i = 0; i < 3; i++) {
                try (Transport t = Transports.tls(
                        Transports.tcp("127.0.0.1", port, false, Io.deadline()),
                        tls,
                        "localhost",
                        List.of(),
                        Io.deadline())) {
                    Io.Response r = Io.get(t, "localhost", "/");
                    assertThat(r.status()).isEqualTo(200);
                    bodies.add(new String(r.body(), StandardCharsets.ISO_8859_1));
                }
            }
            process.waitFor(20, TimeUnit.SECONDS);
        } finally {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        System.out.println("REVIEW " + options + " keylog=" + (clientLog != null) + " reused: "
                + bodies.stream()
                        .map(x -> x.contains("Reused,") ? "Reused" : "New")
                        .toList());
        return bodies;
    }

    private static Map<String, String> map(List<String> lines) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : lines) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] p = line.split(" ");
            m.put(p[0] + " " + p[1], p[2]);
        }
        return m;
    }

    private static int awaitPort(Process process, Path output) throws Exception {
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

package dev.finch.transport;

import dev.finch.testing.TestCertificates;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code openssl s_server} on 127.0.0.1 with the test CA's {@code localhost} certificate, for the key log tests that
 * compare with OpenSSL or need a server feature Jetty lacks (KeyUpdate on demand). Its output goes to
 * {@code s_server.out} in the test's directory.
 */
final class OpenSslServer implements AutoCloseable {
    private static final Pattern ACCEPT = Pattern.compile("ACCEPT 127\\.0\\.0\\.1:(\\d+)");

    private final Process process;
    private final Path output;
    private final int port;

    private OpenSslServer(Process process, Path output, int port) {
        this.process = process;
        this.output = output;
        this.port = port;
    }

    /** The executable {@code name} on the PATH, or {@code null}. */
    static Path onPath(String name) {
        String path = System.getenv("PATH");
        for (String entry : path == null ? new String[0] : path.split(File.pathSeparator)) {
            Path candidate = Path.of(entry, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** Starts {@code openssl s_server} with {@code options} after the certificate ones, and waits for its port. */
    static OpenSslServer start(Path openssl, Path dir, List<String> options) throws Exception {
        TestCertificates.Credential server = TestCertificates.get().localhost();
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
                openssl.toString(),
                "s_server",
                "-accept",
                "127.0.0.1:0",
                "-cert",
                cert.toString(),
                "-key",
                key.toString()));
        command.addAll(options);
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        try {
            return new OpenSslServer(process, output, awaitPort(process, output));
        } catch (Exception | AssertionError e) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Reads s_server's output until it says which port it listens on (bounded: 20 s). */
    private static int awaitPort(Process process, Path output) throws Exception {
        for (int i = 0; i < 200; i++) {
            Matcher m = ACCEPT.matcher(read(output));
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("openssl s_server did not start: " + read(output));
    }

    private static String read(Path output) throws Exception {
        return Files.readString(output, StandardCharsets.ISO_8859_1);
    }

    int port() {
        return port;
    }

    Process process() {
        return process;
    }

    /** What s_server printed so far. */
    String output() throws Exception {
        return read(output);
    }

    /** Waits until s_server printed {@code text} (bounded: 20 s). */
    void awaitOutput(String text) throws Exception {
        for (int i = 0; i < 200; i++) {
            if (output().contains(text)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("s_server did not print " + text + ": " + output());
    }

    /** Waits (bounded) for s_server to exit after its {@code -naccept} connections. */
    boolean awaitExit() throws InterruptedException {
        return process.waitFor(20, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}

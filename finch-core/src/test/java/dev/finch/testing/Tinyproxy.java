package dev.finch.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real <a href="https://tinyproxy.github.io/">tinyproxy</a> (Debian package {@code tinyproxy}) for the tests, run in
 * the foreground on 127.0.0.1 with a configuration written to a temporary directory: any CONNECT port allowed, only
 * 127.0.0.1 served, optional Basic authentication. Tests that need it are skipped, with a message saying how to
 * install it, when the binary is not found ({@code .ci/run} installs it).
 */
public final class Tinyproxy implements AutoCloseable {
    private static final List<Path> KNOWN = List.of(Path.of("/usr/bin/tinyproxy"), Path.of("/usr/sbin/tinyproxy"));

    private final Process process;
    private final Path dir;
    private final Path log;
    private final int port;

    private Tinyproxy(Process process, Path dir, Path log, int port) {
        this.process = process;
        this.dir = dir;
        this.log = log;
        this.port = port;
    }

    /** Where tinyproxy is installed: {@code /usr/bin}, {@code /usr/sbin}, or a directory on PATH. */
    public static Optional<Path> binary() {
        List<Path> candidates = new ArrayList<>(KNOWN);
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(java.io.File.pathSeparator)) {
                if (!d.isEmpty()) {
                    candidates.add(Path.of(d, "tinyproxy"));
                }
            }
        }
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    /** Starts a tinyproxy without authentication; skips the test if tinyproxy is not installed. */
    public static Tinyproxy start() {
        return start(null, null);
    }

    /**
     * Starts a tinyproxy that requires Basic authentication with {@code user}/{@code password} (none when null);
     * skips the test if tinyproxy is not installed.
     */
    public static Tinyproxy start(String user, String password) {
        Optional<Path> binary = binary();
        Assumptions.assumeTrue(
                binary.isPresent(),
                "tinyproxy is not installed (looked in /usr/bin, /usr/sbin and PATH): skipping the tests against a"
                        + " real proxy; install it with `apt-get install tinyproxy`");
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) { // the free port may be taken between probe and bind
            try {
                return launch(binary.get(), user, password);
            } catch (IOException e) {
                last = e;
            }
        }
        throw new UncheckedIOException("tinyproxy did not start", last);
    }

    private static Tinyproxy launch(Path binary, String user, String password) throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Path dir = Files.createTempDirectory("finch-tinyproxy");
        Path conf = dir.resolve("tinyproxy.conf");
        Path log = dir.resolve("tinyproxy.log");
        StringBuilder config = new StringBuilder()
                .append("Port ")
                .append(port)
                .append('\n')
                .append("Listen 127.0.0.1\n")
                .append("Timeout 30\n")
                .append("MaxClients 50\n")
                .append("LogLevel Connect\n")
                // No ConnectPort line: CONNECT to any port (the Jetty servers' ports are random).
                .append("Allow 127.0.0.1\n");
        if (user != null) {
            config.append("BasicAuth ")
                    .append(user)
                    .append(' ')
                    .append(password)
                    .append('\n');
        }
        Files.writeString(conf, config, StandardCharsets.US_ASCII);
        Process process = new ProcessBuilder(binary.toString(), "-d", "-c", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Tinyproxy proxy = new Tinyproxy(process, dir, log, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String output = proxy.log();
                proxy.close();
                throw new IOException("tinyproxy exited with " + process.exitValue() + ": " + output);
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return proxy;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        proxy.close();
        throw new IOException("tinyproxy did not listen on 127.0.0.1:" + port + " within 10 s");
    }

    public int port() {
        return port;
    }

    /** What tinyproxy logged so far (one {@code Request} line per request it read, at LogLevel Connect). */
    public String log() {
        try {
            return Files.readString(log, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Stops tinyproxy and deletes its directory. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }
}

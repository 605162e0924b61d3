package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.finch.http.TransportException.Reason;
import dev.finch.testing.JettyServer;
import dev.finch.testing.TestCertificates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every failure path closes its socket (and the private selector): the process's open file descriptors, counted in
 * {@code /proc/self/fd}, do not grow over many failures. The tolerance absorbs descriptors other threads (Jetty,
 * JUnit) open meanwhile.
 */
@EnabledOnOs(OS.LINUX)
class ResourceLeakTest {
    private static final int ROUNDS = 50;
    private static final int TOLERANCE = 10;

    private static long openFileDescriptors() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void refusedConnectsLeakNoDescriptor() throws Exception {
        int port;
        try (ServerSocketChannel s = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            port = s.socket().getLocalPort();
        }
        long before = openFileDescriptors();
        for (int i = 0; i < ROUNDS; i++) {
            Throwable e = catchThrowable(() -> Transports.tcp("127.0.0.1", port, false, Io.deadline()));
            assertThat(Io.reasonOf(e)).isEqualTo(Reason.CONNECT_FAILED);
        }
        assertThat(openFileDescriptors()).isLessThanOrEqualTo(before + TOLERANCE);
    }

    @Test
    void timedOutConnectsAndHandshakesLeakNoDescriptor() throws Exception {
        try (ServerSocketChannel silent =
                ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0), ROUNDS * 2)) {
            int port = silent.socket().getLocalPort();
            long before = openFileDescriptors();
            for (int i = 0; i < ROUNDS; i++) {
                Throwable e = catchThrowable(() -> Transports.tcp("127.0.0.1", port, false, System.nanoTime()));
                assertThat(Io.reasonOf(e)).isEqualTo(Reason.TIMEOUT);
            }
            for (int i = 0; i < 10; i++) { // each waits for its 50 ms deadline
                Transport plain = Transports.tcp("127.0.0.1", port, false, Io.deadline());
                Throwable e = catchThrowable(() -> Transports.tls(
                        plain,
                        TlsOptions.defaults(),
                        "localhost",
                        List.of(),
                        Transports.deadline(Duration.ofMillis(50))));
                assertThat(Io.reasonOf(e)).isEqualTo(Reason.TIMEOUT);
            }
            // The listening socket's backlog holds the accepted-by-kernel connections, not this process's fds.
            assertThat(openFileDescriptors()).isLessThanOrEqualTo(before + TOLERANCE);
        }
    }

    @Test
    void rejectedCertificatesLeakNoDescriptor() throws Exception {
        try (JettyServer server =
                JettyServer.builder().tls(TestCertificates.get().selfSigned()).start()) {
            long before = openFileDescriptors();
            for (int i = 0; i < ROUNDS; i++) {
                Transport plain = Transports.tcp(JettyServer.HOST, server.port(), false, Io.deadline());
                Throwable e = catchThrowable(
                        () -> Transports.tls(plain, TlsOptions.defaults(), "localhost", List.of(), Io.deadline()));
                assertThat(Io.reasonOf(e)).isEqualTo(Reason.TLS_CERTIFICATE_REJECTED);
            }
            assertThat(openFileDescriptors()).isLessThanOrEqualTo(before + TOLERANCE);
        }
    }

    @Test
    void missingUnixSocketsLeakNoDescriptor(@TempDir Path dir) {
        long before = openFileDescriptors();
        for (int i = 0; i < ROUNDS; i++) {
            Throwable e = catchThrowable(() -> Transports.unix(dir.resolve("none.sock"), Io.deadline()));
            assertThat(Io.reasonOf(e)).isEqualTo(Reason.CONNECT_FAILED);
        }
        assertThat(openFileDescriptors()).isLessThanOrEqualTo(before + TOLERANCE);
    }

    @Test
    void closedConnectionsLeakNoDescriptor() throws Exception {
        try (JettyServer server = JettyServer.https()) {
            TlsOptions trust = TlsOptions.builder()
                    .trustStore(TestCertificates.get().trustStore())
                    .build();
            long before = openFileDescriptors();
            for (int i = 0; i < ROUNDS; i++) {
                Transport plain = Transports.tcp(JettyServer.HOST, server.port(), false, Io.deadline());
                Transport t = Transports.tls(plain, trust, "localhost", List.of(), Io.deadline());
                t.awaitReadable(0); // opens the private selector
                t.close();
            }
            assertThat(openFileDescriptors()).isLessThanOrEqualTo(before + TOLERANCE);
        }
    }
}

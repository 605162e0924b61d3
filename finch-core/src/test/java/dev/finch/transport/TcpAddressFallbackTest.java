package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.finch.http.TransportException;
import dev.finch.http.TransportException.Reason;
import dev.finch.testing.JettyServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * A host with several addresses: the attempts race within the one connect deadline (RFC 8305 §5, each next one 250 ms
 * after the one before or at once when an attempt fails), IPv6 first when {@code preferIpv6} is set (Mint's {@code inet6: true}), and a failure names every attempt. A fake resolver stands in for
 * DNS where the test needs a host with both an IPv4 and an IPv6 address; the sockets are real.
 */
class TcpAddressFallbackTest {
    private static InetAddress v4;
    private static InetAddress v6;

    @BeforeAll
    static void addresses() throws UnknownHostException {
        v4 = InetAddress.getByName("127.0.0.1");
        v6 = InetAddress.getByName("::1");
    }

    private static void assumeIpv6Loopback() {
        assumeTrue(JettyServer.hasIpv6Loopback(), "skipped: this host cannot listen on the IPv6 loopback address ::1");
    }

    /** A resolver that answers every name with {@code addresses}, in this order. */
    private static Transports.Resolver resolvingTo(InetAddress... addresses) {
        return host -> addresses.clone();
    }

    /** A port with nothing listening on it on {@code address}, found by binding and closing it. */
    private static int freePort(InetAddress address) throws IOException {
        try (ServerSocketChannel s = ServerSocketChannel.open().bind(new InetSocketAddress(address, 0))) {
            return s.socket().getLocalPort();
        }
    }

    /** Whether nothing listens on {@code address:port} (binding succeeds). */
    private static boolean isFree(InetAddress address, int port) {
        try (ServerSocketChannel s = ServerSocketChannel.open().bind(new InetSocketAddress(address, port))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static InetAddress remoteAddress(Transport t) throws IOException {
        return ((InetSocketAddress) ((SocketChannel) t.channel()).getRemoteAddress()).getAddress();
    }

    @Test
    void preferIpv6PutsIpv6AddressesFirstAndKeepsTheResolversOrderWithinEachFamily() throws Exception {
        InetAddress a4 = InetAddress.getByName("192.0.2.1");
        InetAddress b4 = InetAddress.getByName("192.0.2.2");
        InetAddress a6 = InetAddress.getByName("2001:db8::1");
        InetAddress b6 = InetAddress.getByName("2001:db8::2");
        InetAddress[] resolved = {a4, a6, b4, b6};

        assertThat(Transports.order(resolved, true)).containsExactly(a6, b6, a4, b4);
        assertThat(Transports.order(resolved, false)).containsExactly(a4, a6, b4, b6);
    }

    @Test
    void ipv6FirstFallsBackToIpv4WhenNothingListensOnIpv6() throws Exception {
        assumeIpv6Loopback();
        try (JettyServer jetty = JettyServer.http()) {
            assumeTrue(isFree(v6, jetty.port()), "skipped: [::1]:" + jetty.port() + " is taken");
            try (Transport t =
                    Transports.tcp("dual.test", jetty.port(), false, true, Io.deadline(), resolvingTo(v4, v6))) {
                assertThat(remoteAddress(t)).isEqualTo(v4);
                assertThat(Io.get(t, "dual.test", "/status/204").status()).isEqualTo(204);
            }
        }
    }

    @Test
    void localhostWithIpv6FirstFallsBackToTheIpv4Server() throws Exception {
        List<InetAddress> localhost = List.of(InetAddress.getAllByName("localhost"));
        assumeTrue(
                localhost.stream().anyMatch(a -> a instanceof Inet6Address)
                        && localhost.stream().anyMatch(a -> !(a instanceof Inet6Address)),
                "skipped: localhost resolves to " + localhost + " here, not to both an IPv4 and an IPv6 address");
        try (JettyServer jetty = JettyServer.http();
                Transport t = Transports.tcp("localhost", jetty.port(), false, true, Io.deadline())) {
            assertThat(remoteAddress(t)).isEqualTo(v4);
            assertThat(Io.get(t, "localhost", "/status/204").status()).isEqualTo(204);
        }
    }

    @Test
    void ipv6FirstReachesAServerListeningOnlyOnIpv6() throws Exception {
        assumeIpv6Loopback();
        try (JettyServer jetty = JettyServer.builder().ipv6Loopback().start();
                Transport t =
                        Transports.tcp("dual.test", jetty.port(), false, true, Io.deadline(), resolvingTo(v4, v6))) {
            assertThat(remoteAddress(t)).isEqualTo(v6);
            assertThat(Io.get(t, "dual.test", "/status/204").status()).isEqualTo(204);
        }
    }

    @Test
    void theOptionDecidesWhichFamilyIsTriedFirstWhenBothAnswer() throws Exception {
        assumeIpv6Loopback();
        try (ServerSocketChannel on6 = ServerSocketChannel.open().bind(new InetSocketAddress(v6, 0))) {
            int port = on6.socket().getLocalPort();
            assumeTrue(isFree(v4, port), "skipped: 127.0.0.1:" + port + " is taken");
            try (ServerSocketChannel on4 = ServerSocketChannel.open().bind(new InetSocketAddress(v4, port))) {
                try (Transport t = Transports.tcp("dual.test", port, false, true, Io.deadline(), resolvingTo(v4, v6))) {
                    assertThat(remoteAddress(t)).isEqualTo(v6);
                }
                try (Transport t =
                        Transports.tcp("dual.test", port, false, false, Io.deadline(), resolvingTo(v4, v6))) {
                    assertThat(remoteAddress(t)).isEqualTo(v4);
                }
            }
        }
    }

    @Test
    void ipv6LiteralInBracketsConnects() throws Exception {
        assumeIpv6Loopback();
        try (JettyServer jetty = JettyServer.builder().ipv6Loopback().start();
                Transport t = Transports.tcp("[::1]", jetty.port(), false, Io.deadline())) {
            assertThat(remoteAddress(t)).isEqualTo(v6);
            assertThat(Io.get(t, "[::1]:" + jetty.port(), "/status/204").status())
                    .isEqualTo(204);
        }
    }

    @Test
    void refusedOnEveryAddressIsConnectFailedWithTheLastAsCauseAndTheEarlierSuppressed() throws Exception {
        assumeIpv6Loopback();
        int port = freePort(v4);
        assumeTrue(isFree(v6, port), "skipped: [::1]:" + port + " is taken");

        Throwable e = catchThrowable(
                () -> Transports.tcp("dual.test", port, false, true, Io.deadline(), resolvingTo(v4, v6)));

        assertThat(Io.reasonOf(e)).isEqualTo(Reason.CONNECT_FAILED);
        String detail = ((TransportException) e).detail();
        assertThat(detail).startsWith("dual.test:" + port + " via ");
        // Tried IPv6 first, then IPv4, and the detail lists them in that order.
        assertThat(detail.indexOf("0:0:0:0:0:0:0:1")).isNotNegative().isLessThan(detail.indexOf("127.0.0.1"));
        assertThat(e.getCause()).isInstanceOf(ConnectException.class);
        assertThat(e.getSuppressed()).hasSize(1);
        assertThat(e.getSuppressed()[0]).isInstanceOf(ConnectException.class);
    }

    @Test
    void anAddressThatDoesNotAnswerLeavesTimeForTheNext() throws Exception {
        assumeIpv6Loopback();
        // IPv4 first drops our SYN (its accept queue is full); the IPv6 attempt starts 250 ms later and answers.
        try (ServerSocketChannel on6 = ServerSocketChannel.open().bind(new InetSocketAddress(v6, 0))) {
            int port = on6.socket().getLocalPort();
            assumeTrue(isFree(v4, port), "skipped: 127.0.0.1:" + port + " is taken");
            List<SocketChannel> fillers = new ArrayList<>();
            try (ServerSocketChannel full = ServerSocketChannel.open().bind(new InetSocketAddress(v4, port), 1)) {
                fillAcceptQueue(full, fillers);
                try (Transport t = Transports.tcp(
                        "dual.test",
                        port,
                        false,
                        false,
                        Transports.deadline(Duration.ofSeconds(2)),
                        resolvingTo(v4, v6))) {
                    assertThat(remoteAddress(t)).isEqualTo(v6);
                }
            } finally {
                for (SocketChannel c : fillers) {
                    c.close();
                }
            }
        }
    }

    /**
     * An address whose first SYN was lost (Linux retransmits it after 1 s) is still connecting when the next address
     * is tried, 250 ms later, and wins at about 1 s: starting the next attempt "does not affect previous attempts"
     * (RFC 8305 §5). Alone, the same address connects within the same deadline (control). An equal share of the
     * deadline per attempt would have cut the first attempt at 0.9 s and failed with TIMEOUT.
     */
    @Test
    @EnabledOnOs(OS.LINUX)
    void aReachableAddressWhoseFirstSynWasLostStaysConnectingWhileTheNextIsTriedAndWins() throws Exception {
        InetAddress a = InetAddress.getByName("127.0.0.1");
        InetAddress b = InetAddress.getByName("127.0.0.2");
        Duration timeout = Duration.ofMillis(1800);

        // Control: the slow address alone is reached within the deadline (its SYN is retransmitted at ~1 s).
        try (SlowServer slow = SlowServer.start(a, 0)) {
            try (Transport t =
                    Transports.tcp("one.test", slow.port(), false, false, Transports.deadline(timeout), host ->
                            new InetAddress[] {a})) {
                assertThat(t.isOpen()).isTrue();
            }
        }

        // Same address first, then one that never answers: the first attempt goes on and connects at ~1 s.
        try (SlowServer slow = SlowServer.start(a, 0);
                SlowServer dead = SlowServer.startNeverDraining(b, slow.port());
                Transport t =
                        Transports.tcp("two.test", slow.port(), false, false, Transports.deadline(timeout), host ->
                                new InetAddress[] {a, b})) {
            assertThat(remoteAddress(t)).isEqualTo(a);
        }
    }

    /**
     * The failure of an attempt starts the next address at once, even while an earlier attempt is still connecting:
     * the first address hangs (0 ms), the second starts 250 ms later and is refused at once, and the third starts
     * then, not 250 ms after the second.
     */
    @Test
    @EnabledOnOs(OS.LINUX)
    void aFailedAttemptStartsTheNextAddressAtOnceWhileAnEarlierOneIsStillConnecting() throws Exception {
        InetAddress hanging = InetAddress.getByName("127.0.0.1");
        InetAddress refusing = InetAddress.getByName("127.0.0.2");
        InetAddress answering = InetAddress.getByName("127.0.0.3");
        List<SocketChannel> fillers = new ArrayList<>();
        try (ServerSocketChannel full = ServerSocketChannel.open().bind(new InetSocketAddress(hanging, 0), 1)) {
            int port = full.socket().getLocalPort();
            fillAcceptQueue(full, fillers);
            assumeTrue(isFree(refusing, port), "skipped: 127.0.0.2:" + port + " is taken");
            try (ServerSocketChannel open = ServerSocketChannel.open().bind(new InetSocketAddress(answering, port))) {
                // warm-up, so that class loading does not count
                try (Transport t = Transports.tcp(
                        "warm.test", port, false, false, Io.deadline(), host -> new InetAddress[] {answering})) {
                    open.accept().close();
                }
                long start = System.nanoTime();
                try (Transport t = Transports.tcp("three.test", port, false, false, Io.deadline(), host ->
                        new InetAddress[] {hanging, refusing, answering})) {
                    Duration took = Duration.ofNanos(System.nanoTime() - start);
                    assertThat(remoteAddress(t)).isEqualTo(answering);
                    // ~250 ms: the third address started when the second failed, not at 500 ms.
                    assertThat(took)
                            .as("connected to the third address after " + took.toMillis() + " ms")
                            .isLessThan(Duration.ofMillis(450));
                }
            }
        } finally {
            for (SocketChannel c : fillers) {
                c.close();
            }
        }
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void theAttemptThatConnectsClosesTheOnesStillConnecting() throws Exception {
        InetAddress other = InetAddress.getByName("127.0.0.2");
        List<SocketChannel> fillers = new ArrayList<>();
        try (ServerSocketChannel full = ServerSocketChannel.open().bind(new InetSocketAddress(v4, 0), 1)) {
            int port = full.socket().getLocalPort();
            fillAcceptQueue(full, fillers);
            try (ServerSocketChannel open = ServerSocketChannel.open().bind(new InetSocketAddress(other, port))) {
                long before = openFileDescriptors();
                for (int i = 0; i < 8; i++) {
                    try (Transport t =
                            Transports.tcp("race.test", port, false, false, Io.deadline(), resolvingTo(v4, other))) {
                        assertThat(remoteAddress(t)).isEqualTo(other);
                    }
                    open.accept().close();
                }
                assertThat(openFileDescriptors()).isLessThanOrEqualTo(before + 4);
            }
        } finally {
            for (SocketChannel c : fillers) {
                c.close();
            }
        }
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void anInterruptWhileAttemptsAreConnectingClosesThemAndKeepsTheInterruptStatus() throws Exception {
        InetAddress other = InetAddress.getByName("127.0.0.2");
        List<SocketChannel> fillers = new ArrayList<>();
        try (ServerSocketChannel full = ServerSocketChannel.open().bind(new InetSocketAddress(v4, 0), 1)) {
            int port = full.socket().getLocalPort();
            fillAcceptQueue(full, fillers);
            assumeTrue(isFree(other, port), "skipped: 127.0.0.2:" + port + " is taken");
            try (ServerSocketChannel full2 = ServerSocketChannel.open().bind(new InetSocketAddress(other, port), 1)) {
                fillAcceptQueue(full2, fillers);
                long before = openFileDescriptors();
                for (int i = 0; i < 4; i++) {
                    Thread caller = Thread.currentThread();
                    // Both attempts are connecting (the second starts at 250 ms) when the interrupt comes.
                    CompletableFuture<Void> interrupt = CompletableFuture.runAsync(
                            caller::interrupt, CompletableFuture.delayedExecutor(400, TimeUnit.MILLISECONDS));
                    Throwable e;
                    boolean interrupted;
                    try {
                        e = catchThrowable(() ->
                                Transports.tcp("race.test", port, false, false, Io.deadline(), resolvingTo(v4, other)));
                    } finally {
                        interrupt.join(); // not get(): it would throw on the interrupt it waits for
                        interrupted = Thread.interrupted();
                    }

                    assertThat(Io.reasonOf(e)).isEqualTo(Reason.INTERRUPTED);
                    assertThat(interrupted).as("the interrupt status stays set").isTrue();
                }
                // Two sockets and a selector per round: a leak would show as several descriptors per round.
                assertThat(openFileDescriptors()).isLessThanOrEqualTo(before + 2);
            }
        } finally {
            for (SocketChannel c : fillers) {
                c.close();
            }
        }
    }

    @Test
    void everyAddressTimingOutIsTimeoutWithEachAttemptRecorded() throws Exception {
        List<SocketChannel> fillers = new ArrayList<>();
        try (ServerSocketChannel full = ServerSocketChannel.open().bind(new InetSocketAddress(v4, 0), 1)) {
            fillAcceptQueue(full, fillers);
            Throwable e = catchThrowable(() -> Transports.tcp(
                    "twice.test",
                    full.socket().getLocalPort(),
                    false,
                    false,
                    Transports.deadline(Duration.ofMillis(400)),
                    resolvingTo(v4, v4)));

            assertThat(Io.reasonOf(e)).isEqualTo(Reason.TIMEOUT);
            assertThat(((TransportException) e).detail()).contains("timed out");
            assertThat(Io.reasonOf(e.getCause())).isEqualTo(Reason.TIMEOUT);
            assertThat(e.getSuppressed()).hasSize(1);
            assertThat(Io.reasonOf(e.getSuppressed()[0])).isEqualTo(Reason.TIMEOUT);
        } finally {
            for (SocketChannel c : fillers) {
                c.close();
            }
        }
    }

    @Test
    void aResolverAnsweringNoAddressIsUnknownHost() {
        Throwable e = catchThrowable(() -> Transports.tcp("empty.test", 80, false, true, Io.deadline(), resolvingTo()));

        assertThat(Io.reasonOf(e)).isEqualTo(Reason.UNKNOWN_HOST);
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void failedAttemptsLeakNoDescriptor() throws Exception {
        int port = freePort(v4);
        InetAddress[] addresses = isFree(v6, port) ? new InetAddress[] {v6, v4} : new InetAddress[] {v4, v4};
        long before = openFileDescriptors();
        for (int i = 0; i < 50; i++) {
            Throwable e = catchThrowable(
                    () -> Transports.tcp("dual.test", port, false, true, Io.deadline(), resolvingTo(addresses)));
            assertThat(Io.reasonOf(e)).isEqualTo(Reason.CONNECT_FAILED);
        }
        assertThat(openFileDescriptors()).isLessThanOrEqualTo(before + 10);
    }

    private static long openFileDescriptors() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void fillAcceptQueue(ServerSocketChannel full, List<SocketChannel> fillers) throws IOException {
        assumeTrue(
                Io.fillAcceptQueue(full, fillers),
                "skipped: this host's TCP stack does not drop SYNs on a full accept queue");
    }

    /**
     * A listener whose accept queue is full (SYNs dropped) for the first 300 ms, then drained so that a retransmitted
     * SYN gets through.
     */
    private static final class SlowServer implements AutoCloseable {
        final ServerSocketChannel server;
        final List<SocketChannel> fillers = new ArrayList<>();
        final CompletableFuture<Void> drained;

        private SlowServer(InetAddress address, int port, boolean drain) throws IOException {
            server = ServerSocketChannel.open().bind(new InetSocketAddress(address, port), 1);
            assumeTrue(Io.fillAcceptQueue(server, fillers), "skipped: SYNs are not dropped on a full accept queue");
            drained = drain
                    ? CompletableFuture.runAsync(
                            this::drain, CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS))
                    : CompletableFuture.completedFuture(null);
        }

        static SlowServer start(InetAddress address, int port) throws IOException {
            return new SlowServer(address, port, true);
        }

        static SlowServer startNeverDraining(InetAddress address, int port) throws IOException {
            return new SlowServer(address, port, false);
        }

        int port() {
            return server.socket().getLocalPort();
        }

        private void drain() {
            try {
                // The last filler's SYN was dropped; close it so that it does not take the freed slot.
                fillers.get(fillers.size() - 1).close();
                server.configureBlocking(false);
                while (server.accept() != null) {
                    // accepted connections are dropped; the queue now has room
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws Exception {
            drained.get(5, TimeUnit.SECONDS);
            for (SocketChannel c : fillers) {
                c.close();
            }
            server.close();
        }
    }
}

package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** Review of the address fallback (rev-options): defects proven with real sockets. */
class TcpAddressFallbackReviewTest {

    /**
     * The equal share per attempt abandons a reachable address whose SYN was lost once: Linux retransmits a SYN after
     * 1 s, and with a 1.8 s connect timeout and two addresses the first attempt is cut at 0.9 s. Alone, the same
     * address connects within the same deadline (control); with a second address that does not answer, the connect
     * fails with TIMEOUT although the first address would have answered at about 1 s. RFC 8305 §5: starting the next
     * attempt "does not affect previous attempts"; here the previous one is closed.
     */
    @Test
    @EnabledOnOs(OS.LINUX)
    void equalShareAbandonsAReachableAddressWhoseFirstSynWasLostAndTheConnectTimesOut() throws Exception {
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

        // Same address first, then one that never answers: the first attempt is abandoned at 0.9 s.
        try (SlowServer slow = SlowServer.start(a, 0);
                SlowServer dead = SlowServer.startNeverDraining(b, slow.port())) {
            Throwable e = catchThrowable(
                    () -> Transports.tcp("two.test", slow.port(), false, false, Transports.deadline(timeout), host ->
                            new InetAddress[] {a, b}));
            assertThat(e)
                    .as("the first address answers at ~1 s, within the 1.8 s connect timeout")
                    .isNull();
        }
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

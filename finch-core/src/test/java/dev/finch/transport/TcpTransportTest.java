package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.finch.http.TransportException;
import dev.finch.http.TransportException.Reason;
import dev.finch.testing.JettyServer;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TcpTransportTest {
    private ServerSocketChannel server;

    @BeforeEach
    void listen() throws Exception {
        server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    private int port() {
        return server.socket().getLocalPort();
    }

    @Test
    void connectsAndEchoesBytesBothWays() throws Exception {
        try (Transport t = Transports.tcp("127.0.0.1", port(), false, Io.deadline());
                SocketChannel peer = server.accept()) {
            Io.write(t, "ping");
            ByteBuffer got = ByteBuffer.allocate(4);
            while (got.hasRemaining()) { // blocking peer: bounded by the 4 bytes sent
                assertThat(peer.read(got)).isNotNegative();
            }
            peer.write(ByteBuffer.wrap("pong".getBytes(StandardCharsets.US_ASCII)));

            assertThat(new String(got.array(), StandardCharsets.US_ASCII)).isEqualTo("ping");
            assertThat(t.awaitReadable(Duration.ofSeconds(10).toNanos())).isTrue();
            ByteBuffer reply = ByteBuffer.allocate(16);
            assertThat(t.read(reply)).isEqualTo(4);
            assertThat(new String(reply.array(), 0, 4, StandardCharsets.US_ASCII))
                    .isEqualTo("pong");
        }
    }

    @Test
    void setsTcpNoDelayAndLeavesTheChannelNonBlocking() throws Exception {
        try (Transport t = Transports.tcp("127.0.0.1", port(), false, Io.deadline())) {
            SocketChannel ch = (SocketChannel) t.channel();
            assertThat(ch.getOption(StandardSocketOptions.TCP_NODELAY)).isTrue();
            assertThat(ch.getOption(StandardSocketOptions.SO_KEEPALIVE)).isFalse();
            assertThat(ch.isBlocking()).isFalse();
            assertThat(t.applicationProtocol()).isNull();
            assertThat(t.sslSession()).isNull();
        }
    }

    @Test
    void setsKeepAliveWhenAsked() throws Exception {
        try (Transport t = Transports.tcp("127.0.0.1", port(), true, Io.deadline())) {
            assertThat(((SocketChannel) t.channel()).getOption(StandardSocketOptions.SO_KEEPALIVE))
                    .isTrue();
        }
    }

    @Test
    void connectsToAHostName() throws Exception {
        // "localhost" may resolve to ::1 first; the server only listens on 127.0.0.1, so this also covers trying
        // the next address when the first is refused.
        try (JettyServer jetty = JettyServer.http();
                Transport t = Transports.tcp("localhost", jetty.port(), false, Io.deadline())) {
            assertThat(Io.get(t, "localhost", "/status/204").status()).isEqualTo(204);
        }
    }

    @Test
    void refusedConnectionIsConnectFailedNamingTheAddress() throws Exception {
        int port = port();
        server.close();

        Throwable e = catchThrowable(() -> Transports.tcp("127.0.0.1", port, false, Io.deadline()));

        assertThat(Io.reasonOf(e)).isEqualTo(Reason.CONNECT_FAILED);
        assertThat(((TransportException) e).detail()).contains("127.0.0.1:" + port);
        assertThat(e.getCause()).isInstanceOf(java.net.ConnectException.class);
    }

    @Test
    void unknownHostIsUnknownHost() {
        Throwable e = catchThrowable(() -> Transports.tcp("no-such-host.invalid", 80, false, Io.deadline()));

        assertThat(Io.reasonOf(e)).isEqualTo(Reason.UNKNOWN_HOST);
        assertThat(((TransportException) e).detail()).isEqualTo("no-such-host.invalid");
    }

    @Test
    void connectTimesOutWhenTheServerDoesNotAnswerTheSyn() throws Exception {
        // With the accept queue full, Linux drops further SYNs, so a connect hangs until its deadline.
        ServerSocketChannel full = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0), 1);
        List<SocketChannel> fillers = new ArrayList<>();
        try (full) {
            boolean queueFull = Io.fillAcceptQueue(full, fillers);
            assertThat(queueFull).as("accept queue filled").isTrue();

            long start = System.nanoTime();
            Throwable e = catchThrowable(() -> Transports.tcp(
                    "127.0.0.1", full.socket().getLocalPort(), false, Transports.deadline(Duration.ofMillis(300))));
            long elapsed = System.nanoTime() - start;

            assertThat(Io.reasonOf(e)).isEqualTo(Reason.TIMEOUT);
            assertThat(elapsed).isGreaterThanOrEqualTo(Duration.ofMillis(250).toNanos());
            assertThat(elapsed).isLessThan(Duration.ofSeconds(5).toNanos());
        } finally {
            for (SocketChannel c : fillers) {
                c.close();
            }
        }
    }

    @Test
    void aDeadlineAlreadyPastIsTimeout() {
        Throwable e = catchThrowable(() -> Transports.tcp("127.0.0.1", port(), false, System.nanoTime() - 1));

        assertThat(Io.reasonOf(e)).isEqualTo(Reason.TIMEOUT);
    }

    @Test
    void anInterruptedThreadGetsInterruptedAndKeepsItsStatus() {
        Thread.currentThread().interrupt();
        try {
            Throwable e = catchThrowable(() -> Transports.tcp("127.0.0.1", port(), false, Io.deadline()));

            assertThat(Io.reasonOf(e)).isEqualTo(Reason.INTERRUPTED);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void awaitReadableIsInterruptibleAndClosesTheTransport() throws Exception {
        Transport t = Transports.tcp("127.0.0.1", port(), false, Io.deadline());
        Thread.currentThread().interrupt();
        try {
            Throwable e =
                    catchThrowable(() -> t.awaitReadable(Duration.ofSeconds(10).toNanos()));

            assertThat(Io.reasonOf(e)).isEqualTo(Reason.INTERRUPTED);
            assertThat(t.isOpen()).isFalse();
            assertThat(t.channel().isOpen()).isFalse();
        } finally {
            Thread.interrupted();
            t.close();
        }
    }

    @Test
    void awaitReadableReturnsFalseAfterTheTimeoutWhenNothingArrives() throws Exception {
        try (Transport t = Transports.tcp("127.0.0.1", port(), false, Io.deadline());
                SocketChannel peer = server.accept()) {
            long start = System.nanoTime();
            assertThat(t.awaitReadable(Duration.ofMillis(100).toNanos())).isFalse();
            assertThat(System.nanoTime() - start)
                    .isGreaterThanOrEqualTo(Duration.ofMillis(90).toNanos());
            assertThat(t.read(ByteBuffer.allocate(8))).isZero();
            assertThat(t.awaitReadable(0)).isFalse();
        }
    }

    @Test
    void readReturnsEndOfStreamAfterThePeerCloses() throws Exception {
        try (Transport t = Transports.tcp("127.0.0.1", port(), false, Io.deadline())) {
            server.accept().close();

            assertThat(t.awaitReadable(Duration.ofSeconds(10).toNanos())).isTrue();
            assertThat(t.read(ByteBuffer.allocate(8))).isEqualTo(-1);
        }
    }

    @Test
    void writeFullyTimesOutWhenThePeerDoesNotRead() throws Exception {
        try (Transport t = Transports.tcp("127.0.0.1", port(), false, Io.deadline());
                SocketChannel peer = server.accept()) {
            ByteBuffer big = ByteBuffer.allocate(64 * 1024 * 1024); // far more than both socket buffers hold
            long start = System.nanoTime();

            Throwable e = catchThrowable(
                    () -> t.writeFully(new ByteBuffer[] {big}, Transports.deadline(Duration.ofMillis(300))));

            assertThat(Io.reasonOf(e)).isEqualTo(Reason.TIMEOUT);
            assertThat(System.nanoTime() - start)
                    .isLessThan(Duration.ofSeconds(5).toNanos());
            assertThat(big.position()).isPositive();
            assertThat(t.isOpen())
                    .as("a timeout leaves the transport to its owner")
                    .isTrue();
        }
    }

    @Test
    void closeIsIdempotentAndLaterCallsFailWithClosed() throws Exception {
        Transport t = Transports.tcp("127.0.0.1", port(), false, Io.deadline());
        t.close();
        t.close();

        assertThat(t.isOpen()).isFalse();
        assertThat(t.channel().isOpen()).isFalse();
        assertThatThrownBy(() -> t.read(ByteBuffer.allocate(1)))
                .isInstanceOfSatisfying(
                        TransportException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CLOSED));
        assertThatThrownBy(() -> t.write(new ByteBuffer[] {ByteBuffer.allocate(1)}))
                .isInstanceOfSatisfying(
                        TransportException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CLOSED));
    }

    @Test
    void theOwnerCanRegisterTheChannelWithItsOwnSelector() throws Exception {
        try (Transport t = Transports.tcp("127.0.0.1", port(), false, Io.deadline());
                SocketChannel peer = server.accept();
                Selector mine = Selector.open()) {
            // The transport's private selector has the channel registered too once it has waited.
            assertThat(t.awaitReadable(1_000_000)).isFalse();
            SelectionKey key = t.channel().register(mine, SelectionKey.OP_READ);
            peer.write(ByteBuffer.wrap(new byte[] {42}));

            assertThat(mine.select(10_000)).isEqualTo(1);
            assertThat(mine.selectedKeys()).containsExactly(key);
            ByteBuffer b = ByteBuffer.allocate(1);
            assertThat(t.read(b)).isEqualTo(1);
            assertThat(b.get(0)).isEqualTo((byte) 42);
        }
    }
}

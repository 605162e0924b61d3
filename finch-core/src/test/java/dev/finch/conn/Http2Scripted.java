package dev.finch.conn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.TransportException;
import dev.finch.testing.H2Peer;
import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A client connection to a scripted {@link H2Peer}, for tests: the script talks frames, the test drives the client.
 * What the script wants the test to see (frames we sent back) goes into {@link #seen}.
 */
final class Http2Scripted implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(5);

    /** h2c with prior knowledge. */
    static final ConnectOptions H2C =
            ConnectOptions.builder().protocols(EnumSet.of(Protocol.HTTP2)).build();

    final H2Peer peer;
    final Http2Connection conn;
    /** Frames the script reports back to the test, in order. */
    final BlockingQueue<Object> seen;

    private Http2Scripted(H2Peer peer, Http2Connection conn, BlockingQueue<Object> seen) {
        this.peer = peer;
        this.conn = conn;
        this.seen = seen;
    }

    /** A script that may report frames with {@code seen.add(...)}. */
    @FunctionalInterface
    interface Script {
        void run(H2Peer.Conn c, BlockingQueue<Object> seen) throws Exception;
    }

    static Http2Scripted start(Script script) throws IOException {
        return start(script, Http2Options.defaults());
    }

    static Http2Scripted start(Script script, Http2Options http2) throws IOException {
        return start(script, H2C.toBuilder().http2(http2).build());
    }

    /** Connects with {@code options}, which must allow only HTTP/2 (h2c with prior knowledge). */
    static Http2Scripted start(Script script, ConnectOptions options) throws IOException {
        BlockingQueue<Object> seen = new LinkedBlockingQueue<>();
        H2Peer peer = H2Peer.start(c -> script.run(c, seen));
        try {
            HttpConnection conn = HttpConnection.connect(Scheme.HTTP, "127.0.0.1", peer.port(), options);
            return new Http2Scripted(peer, conn.asHttp2(), seen);
        } catch (IOException | RuntimeException e) {
            try {
                peer.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    RequestRef get(String path) throws IOException {
        return conn.request("GET", path, HttpHeaders.EMPTY, RequestBody.none());
    }

    Exchange await(RequestRef ref) throws IOException {
        return Exchange.await(conn, ref, WAIT);
    }

    /** The next thing the script reported, of the given type. */
    <T> T seen(Class<T> type) throws InterruptedException {
        Object o = seen.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(o).as("the script reported a %s", type.getSimpleName()).isInstanceOf(type);
        return type.cast(o);
    }

    /**
     * Calls recv at least once and until the connection closes (bounded by {@link #WAIT}); returns the first thing
     * recv threw other than a timeout: typically the error no request carried.
     */
    IOException recvUntilClosed() throws IOException {
        IOException first = null;
        long deadline = System.nanoTime() + WAIT.toNanos();
        do {
            assertThat(System.nanoTime())
                    .as("the connection closes within %s", WAIT)
                    .isLessThan(deadline);
            try {
                conn.recv(Duration.ofMillis(100));
            } catch (IOException e) {
                boolean timeout = e instanceof TransportException t && t.reason() == TransportException.Reason.TIMEOUT;
                if (first == null && !timeout) {
                    first = e;
                }
            }
        } while (conn.isReadable());
        return first;
    }

    /**
     * Waits, bounded by {@link #WAIT}, until the connection's socket has input (frames, the server's FIN or reset)
     * without reading it: registers with a selector of its own, then returns to passive mode.
     */
    void awaitReadable() throws IOException {
        try (Selector selector = Selector.open()) {
            SelectionKey key = conn.register(selector);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!(selector.select(100) > 0 && key.isReadable())) {
                assertThat(System.nanoTime()).as("input within %s", WAIT).isLessThan(deadline);
                selector.selectedKeys().clear();
            }
            conn.deregister();
        }
    }

    /** Asserts that the connection is closed and its socket released (the peer saw our side close). */
    void assertReleased() throws InterruptedException {
        assertThat(conn.isOpen()).isFalse();
        assertThat(conn.isReadable()).isFalse();
        assertThat(peer.awaitClientClose(WAIT)).as("client released its socket").isTrue();
    }

    static HttpProtocolException.Reason reason(Exchange ex) {
        assertThat(ex.error).as("the request failed").isInstanceOf(HttpProtocolException.class);
        return ((HttpProtocolException) ex.error).reason();
    }

    @Override
    public void close() throws Exception {
        peer.close(); // first: a script still reading then ends quietly instead of failing on our close
        conn.close();
        assertThat(peer.scriptErrors()).as("script errors").isEmpty();
    }
}

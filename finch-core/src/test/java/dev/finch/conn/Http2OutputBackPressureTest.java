package dev.finch.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.codec.http2.Frame;
import dev.finch.codec.http2.Settings;
import dev.finch.http.HttpHeaders;
import dev.finch.http.TransportException;
import dev.finch.testing.H2Peer;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Active mode against a peer that grants every window and then stops reading: TCP back-pressure is all that is left,
 * and what the socket does not take must not pile up in the connection.
 */
class Http2OutputBackPressureTest {
    private static final int MIB = 1024 * 1024;

    private final CountDownLatch stopStalling = new CountDownLatch(1);
    private Http2Scripted s;

    @AfterEach
    void tearDown() throws Exception {
        stopStalling.countDown();
        if (s != null) {
            s.close();
        }
    }

    /** A peer that opens every window as far as it goes, reads the first request's HEADERS, then reads no more. */
    private void stallingPeer(Http2Options options) throws Exception {
        s = Http2Scripted.start(
                (c, seen) -> {
                    c.handshake(Settings.builder()
                            .set(Settings.INITIAL_WINDOW_SIZE, Integer.MAX_VALUE)
                            .build());
                    c.send(new Frame.WindowUpdate(0, Integer.MAX_VALUE - 65_535));
                    c.await(H2Peer.Headers.class);
                    stopStalling.await(30, TimeUnit.SECONDS);
                },
                options);
    }

    /** Drives the selector until the server's windows have arrived. */
    private void awaitOpenWindows(Selector selector, SelectionKey key) throws Exception {
        long deadline = System.nanoTime() + Http2Scripted.WAIT.toNanos();
        while (s.conn.sendWindow() < 1_000_000_000) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            selector.select(50);
            selector.selectedKeys().clear();
            s.conn.stream(key);
        }
    }

    @Test
    void requestBodyWindowClosesWhileTheSocketHoldsTheHighWaterMark() throws Exception {
        stallingPeer(Http2Options.defaults());
        long sent = 0;
        try (Selector selector = Selector.open()) {
            SelectionKey key = s.conn.register(selector);
            awaitOpenWindows(selector, key);
            RequestRef ref = s.conn.request("POST", "/", HttpHeaders.EMPTY, RequestBody.streaming());
            ByteBuffer chunk = ByteBuffer.allocate(MIB);
            long deadline = System.nanoTime() + Http2Scripted.WAIT.toNanos();
            // An owner that honours requestBodyWindow, until the socket has stayed full for a while.
            boolean stalled = false;
            while (!stalled) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                assertThat(sent)
                        .as("bytes accepted while the peer reads nothing")
                        .isLessThan(64L * MIB);
                long window = s.conn.requestBodyWindow(ref);
                if (window > 0) {
                    chunk.clear().limit((int) Math.min(window, chunk.capacity()));
                    sent += chunk.remaining();
                    s.conn.streamRequestBody(ref, chunk);
                    continue;
                }
                stalled = selector.select(200) == 0; // not even writable: the socket takes nothing more
                selector.selectedKeys().clear();
                s.conn.stream(key);
            }
            assertThat(s.conn.requestBodyWindow(ref)).isZero();
            assertThat(s.conn.hasPendingOutput()).isTrue();
            assertThat(s.conn.waitingBodyBytes())
                    .as("what the owner sent beyond the socket waits unframed, at most a chunk")
                    .isLessThanOrEqualTo(MIB);
        }
        // The kernel's socket buffers (a few MiB on loopback) plus the 1 MiB high-water mark and a chunk.
        assertThat(sent).as("bytes accepted while the peer reads nothing").isLessThan(16L * MIB);
    }

    @Test
    void outputBeyondTheCapFailsTheConnectionWhenThePeerStopsReading() throws Exception {
        stallingPeer(Http2Options.builder()
                .outputHighWaterMark(16 * 1024)
                .maxQueuedOutput(64 * 1024)
                .build());
        try (Selector selector = Selector.open()) {
            SelectionKey key = s.conn.register(selector);
            awaitOpenWindows(selector, key);
            RequestRef inFlight = s.get("/");
            // PINGs need answers the peer never reads: once the socket buffers are full, they queue in the
            // connection (control frames are not held back as bodies are) until the cap ends it.
            assertThatThrownBy(() -> {
                        for (int i = 0; i < 2_000_000; i++) {
                            s.conn.ping();
                        }
                    })
                    .isInstanceOfSatisfying(TransportException.class, e -> {
                        assertThat(e.reason()).isEqualTo(TransportException.Reason.IO_ERROR);
                        assertThat(e.detail()).contains("maxQueuedOutput");
                    });
            assertThat(s.conn.isOpen()).isFalse();
            List<ResponsePart> parts = s.conn.stream(key);
            assertThat(parts).singleElement().isInstanceOfSatisfying(ResponsePart.Error.class, e -> {
                assertThat(e.ref()).isSameAs(inFlight);
                assertThat(e.error()).isInstanceOf(TransportException.class);
            });
        }
    }
}

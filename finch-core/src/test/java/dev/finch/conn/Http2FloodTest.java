package dev.finch.conn;

import static dev.finch.conn.Http2Scripted.reason;
import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.codec.http2.ErrorCode;
import dev.finch.codec.http2.Frame;
import dev.finch.codec.http2.Http2ConnectionException;
import dev.finch.codec.http2.Http2StreamException;
import dev.finch.codec.http2.Settings;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException.Reason;
import dev.finch.testing.H2Peer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Floods: a peer sending frames that cost us work without progress. Each must end in a typed error within a bounded
 * time (GOAWAY ENHANCE_YOUR_CALM for connection-level floods), and the budgets must not trip on a steady trickle.
 */
class Http2FloodTest {
    private Http2Scripted s;

    @AfterEach
    void tearDown() throws Exception {
        if (s != null) {
            s.close();
        }
    }

    /** Serves the request's headers, runs {@code flood}, and reports every frame up to our GOAWAY. */
    private void flood(H2Peer.Script flood, Http2Options options) throws Exception {
        s = Http2Scripted.start(
                (c, seen) -> {
                    c.handshake(Settings.EMPTY);
                    c.await(H2Peer.Headers.class);
                    flood.run(c);
                    List<Object> frames = new ArrayList<>();
                    Object f;
                    do {
                        f = c.next();
                        frames.add(f);
                    } while (!(f instanceof Frame.GoAway));
                    seen.add(frames);
                },
                options);
    }

    /** Asserts that the request failed with ENHANCE_YOUR_CALM and that GOAWAY ENHANCE_YOUR_CALM closed the socket. */
    private List<?> assertCalmedDown(Exchange ex) throws InterruptedException {
        assertThat(ex.error).isInstanceOfSatisfying(Http2ConnectionException.class, e -> {
            assertThat(e.errorCode()).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
            assertThat(e.reason()).isEqualTo(Reason.ENHANCE_YOUR_CALM);
        });
        List<?> frames = s.seen(List.class);
        assertThat(((Frame.GoAway) frames.get(frames.size() - 1)).error()).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
        s.assertReleased();
        return frames;
    }

    private Exchange request() throws Exception {
        return s.await(s.get("/"));
    }

    @Test
    void continuationFloodIsCutOffAtTheFrameCap() throws Exception {
        flood(
                c -> {
                    List<Frame> frames = new ArrayList<>();
                    frames.add(new Frame.Headers(1, false, false, null, c.headerBlock(":status", "200")));
                    for (int i = 0; i < 200; i++) {
                        frames.add(new Frame.Continuation(1, false, new byte[0]));
                    }
                    c.flood(frames);
                },
                Http2Options.defaults());
        assertCalmedDown(request());
    }

    @Test
    void fieldBlockLargerThanTheCapIsCutOff() throws Exception {
        flood(
                c -> {
                    List<Frame> frames = new ArrayList<>();
                    frames.add(new Frame.Headers(1, false, false, null, new byte[16_384]));
                    for (int i = 0; i < 32; i++) { // 528 KiB, past the 512 KiB cap
                        frames.add(new Frame.Continuation(1, false, new byte[16_384]));
                    }
                    c.flood(frames);
                },
                Http2Options.defaults());
        assertCalmedDown(request());
    }

    @Test
    void hpackBombIsAStreamErrorThatKeepsTheConnectionAndItsHpackState() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            c.await(H2Peer.Headers.class);
            // A 4 KiB field enters the dynamic table once and is then referenced by a one-byte index, 100 times:
            // a block of about 4 KiB that decodes to 400 KB, past our 256 KiB MAX_HEADER_LIST_SIZE.
            HttpHeaders.Builder bomb = HttpHeaders.builder().add(":status", "200");
            for (int i = 0; i < 100; i++) {
                bomb.add("x-bomb", "b".repeat(4000));
            }
            byte[] block = c.headerBlock(bomb.build());
            assertThat(block.length).isLessThan(5000);
            c.send(new Frame.Headers(1, true, true, null, block));
            seen.add(c.await(Frame.RstStream.class));
            // The table entry survived on both sides: this answer refers to it again.
            c.sendHeaders(c.await(H2Peer.Headers.class).streamId(), true, ":status", "200", "x-bomb", "b".repeat(4000));
        });
        Exchange ex = request();
        assertThat(ex.error).isInstanceOfSatisfying(Http2StreamException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.MAX_HEADER_LIST_SIZE_EXCEEDED);
            assertThat(e.errorCode()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
        });
        assertThat(s.seen(Frame.RstStream.class)).isEqualTo(new Frame.RstStream(1, ErrorCode.PROTOCOL_ERROR));
        Exchange next = s.await(s.get("/next"));
        assertThat(next.headers.first("x-bomb")).hasSize(4000);
    }

    @Test
    void pingFloodPastTheDefaultBudgetIsEnhanceYourCalm() throws Exception {
        flood(
                c -> {
                    List<Frame> frames = new ArrayList<>();
                    for (int i = 0; i < 1001; i++) {
                        frames.add(new Frame.Ping(false, i));
                    }
                    c.flood(frames);
                },
                Http2Options.defaults());
        List<?> frames = assertCalmedDown(request());
        assertThat(frames)
                .as("every ping within the budget was answered")
                .filteredOn(f -> f instanceof Frame.Ping p && p.ack())
                .hasSize(1000);
    }

    @Test
    void settingsFloodPastTheDefaultBudgetIsEnhanceYourCalm() throws Exception {
        // The handshake's SETTINGS counts too: 100 more make 101.
        flood(
                c -> {
                    List<Frame> frames = new ArrayList<>();
                    for (int i = 0; i < 100; i++) {
                        frames.add(new Frame.Settings(false, Settings.EMPTY));
                    }
                    c.flood(frames);
                },
                Http2Options.defaults());
        assertCalmedDown(request());
    }

    @Test
    void emptyDataFloodIsEnhanceYourCalm() throws Exception {
        flood(
                c -> {
                    c.sendHeaders(1, false, ":status", "200");
                    List<Frame> frames = new ArrayList<>();
                    for (int i = 0; i < 1001; i++) {
                        frames.add(new Frame.Data(1, false, new byte[0]));
                    }
                    c.flood(frames);
                },
                Http2Options.defaults());
        Exchange ex = request();
        assertThat(ex.statuses).containsExactly(200);
        assertCalmedDown(ex);
    }

    @Test
    void emptyHeadersFloodIsEnhanceYourCalm() throws Exception {
        // The first empty block lacks :status (stream error); the rest land on the reset stream.
        flood(
                c -> {
                    List<Frame> frames = new ArrayList<>();
                    for (int i = 0; i < 21; i++) {
                        frames.add(new Frame.Headers(1, false, true, null, new byte[0]));
                    }
                    c.flood(frames);
                },
                Http2Options.builder().maxEmptyFramesPerWindow(20).build());
        Exchange ex = request();
        assertThat(reason(ex)).isEqualTo(Reason.MISSING_STATUS_HEADER);
        assertThat(s.recvUntilClosed())
                .isInstanceOfSatisfying(Http2ConnectionException.class, e -> assertThat(e.errorCode())
                        .isEqualTo(ErrorCode.ENHANCE_YOUR_CALM));
        List<?> frames = s.seen(List.class);
        assertThat(frames).last().isInstanceOfSatisfying(Frame.GoAway.class, g -> assertThat(g.error())
                .isEqualTo(ErrorCode.ENHANCE_YOUR_CALM));
        s.assertReleased();
    }

    @Test
    void priorityFloodIsEnhanceYourCalm() throws Exception {
        Frame.PrioritySpec spec = new Frame.PrioritySpec(0, false, 16);
        flood(
                c -> {
                    c.flood(java.util.Collections.nCopies(11, new Frame.Priority(1, spec)));
                },
                Http2Options.builder().maxEmptyFramesPerWindow(10).build());
        assertCalmedDown(request());
    }

    @Test
    void rstStreamStormOnAClosedStreamIsEnhanceYourCalm() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            c.await(H2Peer.Headers.class);
            c.respond(1, 200, "done");
            // 1,000 per window plus 4 for the one stream we opened: the 1,005th is one too many.
            c.flood(java.util.Collections.nCopies(1005, new Frame.RstStream(1, ErrorCode.CANCEL)));
            seen.add(c.await(Frame.GoAway.class));
        });
        assertThat(s.await(s.get("/")).done).isTrue();
        assertThat(s.recvUntilClosed())
                .isInstanceOfSatisfying(Http2ConnectionException.class, e -> assertThat(e.errorCode())
                        .isEqualTo(ErrorCode.ENHANCE_YOUR_CALM));
        assertThat(s.seen(Frame.GoAway.class).error()).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
        s.assertReleased();
    }

    @Test
    void dataOnAClosedStreamIsAStreamErrorUntilTheBudgetIsSpent() throws Exception {
        s = Http2Scripted.start(
                (c, seen) -> {
                    c.handshake(Settings.EMPTY);
                    c.await(H2Peer.Headers.class);
                    c.respond(1, 200, "done");
                    c.flood(java.util.Collections.nCopies(15, new Frame.Data(1, false, new byte[] {1})));
                    List<Object> frames = new ArrayList<>();
                    Object f;
                    do {
                        f = c.next();
                        frames.add(f);
                    } while (!(f instanceof Frame.GoAway));
                    seen.add(frames);
                },
                Http2Options.builder().maxClosedStreamFramesPerWindow(10).build());
        assertThat(s.await(s.get("/")).done).isTrue();
        assertThat(s.recvUntilClosed())
                .isInstanceOfSatisfying(Http2ConnectionException.class, e -> assertThat(e.errorCode())
                        .isEqualTo(ErrorCode.ENHANCE_YOUR_CALM));
        List<?> frames = s.seen(List.class);
        assertThat(frames)
                .as("10 + 4 for the stream opened: each answered with RST_STREAM STREAM_CLOSED")
                .filteredOn(f -> f instanceof Frame.RstStream)
                .hasSize(14)
                .allMatch(f -> ((Frame.RstStream) f).error() == ErrorCode.STREAM_CLOSED);
        assertThat(frames).last().isInstanceOfSatisfying(Frame.GoAway.class, g -> assertThat(g.error())
                .isEqualTo(ErrorCode.ENHANCE_YOUR_CALM));
        s.assertReleased();
    }

    @Test
    void tooManyInterimResponsesIsAStreamError() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            c.await(H2Peer.Headers.class);
            List<Frame> frames = new ArrayList<>();
            for (int i = 0; i <= Http2ResponseReader.MAX_INTERIM_RESPONSES; i++) {
                frames.add(new Frame.Headers(1, false, true, null, c.headerBlock(":status", "103")));
            }
            c.flood(frames);
            seen.add(c.await(Frame.RstStream.class));
        });
        Exchange ex = request();
        assertThat(ex.statuses).hasSize(Http2ResponseReader.MAX_INTERIM_RESPONSES);
        assertThat(reason(ex)).isEqualTo(Reason.TOO_MANY_INTERIM_RESPONSES);
        assertThat(s.seen(Frame.RstStream.class).error()).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
        assertThat(s.conn.isOpen()).isTrue();
    }

    @Test
    void budgetsStartAfreshInEachTimeWindow() throws Exception {
        AtomicLong clock = new AtomicLong();
        Http2Options options = Http2Options.builder()
                .maxPingsPerWindow(10)
                .floodWindow(Duration.ofSeconds(1))
                .nanoClock(clock::get)
                .build();
        s = Http2Scripted.start(
                (c, seen) -> {
                    c.handshake(Settings.EMPTY);
                    for (int round = 0; round < 3; round++) {
                        Frame.Ping ours = c.awaitPing();
                        List<Frame> frames = new ArrayList<>();
                        for (int i = 0; i < 10; i++) {
                            frames.add(new Frame.Ping(false, i));
                        }
                        frames.add(new Frame.Ping(true, ours.payload()));
                        c.flood(frames);
                    }
                },
                options);
        for (int round = 0; round < 3; round++) {
            RequestRef ping = s.conn.ping();
            List<ResponsePart> parts = s.conn.recv(Http2Scripted.WAIT);
            assertThat(parts).containsExactly(new ResponsePart.Pong(ping));
            clock.addAndGet(Duration.ofSeconds(1).toNanos()); // 10 pings a second is within a budget of 10
        }
        assertThat(s.conn.isOpen()).isTrue();
    }

    @Test
    void budgetsAddUpWithinOneTimeWindow() throws Exception {
        AtomicLong clock = new AtomicLong();
        Http2Options options = Http2Options.builder()
                .maxPingsPerWindow(10)
                .floodWindow(Duration.ofSeconds(1))
                .nanoClock(clock::get)
                .build();
        s = Http2Scripted.start(
                (c, seen) -> {
                    c.handshake(Settings.EMPTY);
                    for (int round = 0; round < 2; round++) {
                        Frame.Ping ours = c.awaitPing();
                        List<Frame> frames = new ArrayList<>();
                        for (int i = 0; i < 10; i++) {
                            frames.add(new Frame.Ping(false, i));
                        }
                        frames.add(new Frame.Ping(true, ours.payload()));
                        c.flood(frames);
                    }
                    seen.add(c.await(Frame.GoAway.class));
                },
                options);
        RequestRef first = s.conn.ping();
        assertThat(s.conn.recv(Http2Scripted.WAIT)).containsExactly(new ResponsePart.Pong(first));
        clock.addAndGet(Duration.ofMillis(999).toNanos()); // still the same window: 20 pings in it
        s.conn.ping();
        assertThat(s.recvUntilClosed())
                .isInstanceOfSatisfying(Http2ConnectionException.class, e -> assertThat(e.errorCode())
                        .isEqualTo(ErrorCode.ENHANCE_YOUR_CALM));
        assertThat(s.seen(Frame.GoAway.class).error()).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
        s.assertReleased();
    }
}

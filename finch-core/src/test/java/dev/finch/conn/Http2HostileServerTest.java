package dev.finch.conn;

import static dev.finch.conn.Http2Scripted.reason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.codec.http2.ErrorCode;
import dev.finch.codec.http2.Frame;
import dev.finch.codec.http2.Http2ConnectionException;
import dev.finch.codec.http2.Http2StreamException;
import dev.finch.codec.http2.Settings;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.HttpProtocolException.Reason;
import dev.finch.testing.H2Peer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Servers that break RFC 9113, scripted frame by frame. Connection errors must send GOAWAY with the right code, end
 * every request in flight, close the connection and release the socket; stream errors must send RST_STREAM, end only
 * their request and leave the connection usable. Nothing may hang: every wait is bounded.
 */
class Http2HostileServerTest {
    // FrameEncoder refuses to write a zero increment, so these are written by hand: length 4, type 8, stream, 0.
    private static final byte[] ZERO_WINDOW_UPDATE_ON_CONNECTION = {0, 0, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    private static final byte[] ZERO_WINDOW_UPDATE_ON_STREAM_1 = {0, 0, 4, 8, 0, 0, 0, 0, 1, 0, 0, 0, 0};

    private Http2Scripted s;

    @AfterEach
    void tearDown() throws Exception {
        if (s != null) {
            s.close();
        }
    }

    /** Asserts a connection error: the request's error, the GOAWAY the peer read, a released socket. */
    private void assertConnectionError(Exchange ex, ErrorCode code) throws InterruptedException {
        assertThat(ex.error).isInstanceOfSatisfying(Http2ConnectionException.class, e -> assertThat(e.errorCode())
                .isEqualTo(code));
        assertThat(s.seen(Frame.GoAway.class).error()).isEqualTo(code);
        s.assertReleased();
    }

    /** Asserts a stream error: the request's error and the RST_STREAM the peer read; the connection carries on. */
    private void assertStreamError(Exchange ex, ErrorCode code, Reason reason) throws Exception {
        assertThat(ex.error).isInstanceOfSatisfying(Http2StreamException.class, e -> {
            assertThat(e.errorCode()).isEqualTo(code);
            assertThat(e.reason()).isEqualTo(reason);
        });
        assertThat(s.seen(Frame.RstStream.class)).isEqualTo(new Frame.RstStream(1, code));
        assertThat(s.conn.isOpen()).isTrue();
        Exchange next = s.await(s.get("/next"));
        assertThat(next.status()).isEqualTo(200);
    }

    /** Serves the first request with {@code answer}, reports the RST_STREAM we send, then answers /next with 200. */
    private void streamErrorScript(H2Peer.Script answer) throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            c.await(H2Peer.Headers.class);
            answer.run(c);
            seen.add(c.await(Frame.RstStream.class));
            H2Peer.Headers next = c.await(H2Peer.Headers.class);
            c.respond(next.streamId(), 200, "ok");
        });
    }

    /** Serves the first request with {@code answer} and reports the GOAWAY we send. */
    private void connectionErrorScript(H2Peer.Script answer) throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            c.await(H2Peer.Headers.class);
            answer.run(c);
            seen.add(c.await(Frame.GoAway.class));
        });
    }

    // ------------------------------------------------------------------------------- the server's preface

    @Test
    void firstFrameOtherThanSettingsIsAProtocolError() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.readPreface();
            c.send(new Frame.Ping(false, 7));
            seen.add(c.await(Frame.GoAway.class));
        });
        Exchange ex = s.await(s.get("/"));
        assertConnectionError(ex, ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    void http11AnswerToThePrefaceIsAProtocolError() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.readPreface();
            c.write("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n".getBytes());
            seen.add(c.await(Frame.GoAway.class));
        });
        Exchange ex = s.await(s.get("/"));
        assertConnectionError(ex, ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    void goAwayInsteadOfSettingsIsServerClosedConnection() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.readPreface();
            c.send(new Frame.GoAway(0, ErrorCode.HTTP_1_1_REQUIRED, "h2 off".getBytes()));
            seen.add(c.readUntilClose());
        });
        assertThatThrownBy(() -> s.conn.recv(Http2Scripted.WAIT))
                .isInstanceOfSatisfying(Http2ConnectionException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.SERVER_CLOSED_CONNECTION);
                    assertThat(e.errorCode()).isEqualTo(ErrorCode.HTTP_1_1_REQUIRED);
                    assertThat(e.getMessage()).contains("h2 off");
                });
        assertThat(s.seen(List.class)).as("no GOAWAY answers a GOAWAY").noneMatch(f -> f instanceof Frame.GoAway);
        s.assertReleased();
    }

    @Test
    void requestsSentBeforeAnImmediateGoAwayAreUnprocessed() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.readPreface();
            c.await(H2Peer.Headers.class);
            c.send(new Frame.GoAway(0, ErrorCode.NO_ERROR, new byte[0]));
        });
        Exchange ex = s.await(s.get("/"));
        assertThat(reason(ex)).isEqualTo(Reason.UNPROCESSED);
        assertThat(((ResponsePart.Error) ex.parts.get(0)).isRetrySafe()).isTrue();
        assertThatThrownBy(() -> s.conn.recv(Http2Scripted.WAIT))
                .isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                        .isEqualTo(Reason.SERVER_CLOSED_CONNECTION));
        s.assertReleased();
    }

    // ----------------------------------------------------------------------------- frames and sizes

    @Test
    void frameLargerThanOurMaxFrameSizeIsAFrameSizeError() throws Exception {
        connectionErrorScript(c -> {
            c.sendHeaders(1, false, ":status", "200");
            c.write(new byte[] {0x00, 0x40, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01}); // DATA of 16385 bytes
        });
        Exchange ex = s.await(s.get("/"));
        assertThat(ex.statuses).containsExactly(200);
        assertConnectionError(ex, ErrorCode.FRAME_SIZE_ERROR);
    }

    @Test
    void pushPromiseIsAProtocolErrorBecausePushIsDisabled() throws Exception {
        connectionErrorScript(c -> c.send(new Frame.PushPromise(1, 2, true, c.headerBlock(":method", "GET"))));
        assertConnectionError(s.await(s.get("/")), ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    void serverEnablingPushIsAProtocolError() throws Exception {
        connectionErrorScript(c -> c.send(new Frame.Settings(
                false, Settings.builder().set(Settings.ENABLE_PUSH, 1).build())));
        assertConnectionError(s.await(s.get("/")), ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    void headersOnAServerInitiatedStreamAreAProtocolError() throws Exception {
        connectionErrorScript(c -> c.sendHeaders(2, true, ":status", "200"));
        assertConnectionError(s.await(s.get("/")), ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    void dataOnAnIdleStreamIsAProtocolError() throws Exception {
        connectionErrorScript(c -> c.sendData(99, new byte[1], true));
        assertConnectionError(s.await(s.get("/")), ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    void malformedHpackIsACompressionError() throws Exception {
        // 0xbf: an indexed field naming entry 63, beyond the static table and the empty dynamic table.
        connectionErrorScript(c -> c.send(new Frame.Headers(1, true, true, null, new byte[] {(byte) 0xbf})));
        assertConnectionError(s.await(s.get("/")), ErrorCode.COMPRESSION_ERROR);
    }

    // ---------------------------------------------------------------------------------- flow control

    @Test
    void connectionWindowOverflowIsAFlowControlError() throws Exception {
        connectionErrorScript(c -> c.send(new Frame.WindowUpdate(0, Integer.MAX_VALUE)));
        assertConnectionError(s.await(s.get("/")), ErrorCode.FLOW_CONTROL_ERROR);
    }

    @Test
    void streamWindowOverflowResetsOnlyThatStream() throws Exception {
        streamErrorScript(c -> c.send(new Frame.WindowUpdate(1, Integer.MAX_VALUE)));
        assertStreamError(s.await(s.get("/")), ErrorCode.FLOW_CONTROL_ERROR, Reason.FLOW_CONTROL_ERROR);
    }

    @Test
    void zeroWindowIncrementOnTheConnectionIsAProtocolError() throws Exception {
        connectionErrorScript(c -> c.write(ZERO_WINDOW_UPDATE_ON_CONNECTION));
        assertConnectionError(s.await(s.get("/")), ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    void zeroWindowIncrementOnAStreamResetsIt() throws Exception {
        streamErrorScript(c -> c.write(ZERO_WINDOW_UPDATE_ON_STREAM_1));
        assertStreamError(s.await(s.get("/")), ErrorCode.PROTOCOL_ERROR, Reason.PROTOCOL_ERROR);
    }

    @Test
    void dataBeyondTheStreamWindowIsAStreamFlowControlError() throws Exception {
        // Our stream window, once the peer acknowledges it, is 1,000 bytes; one DATA frame of 1,001 overruns it.
        Http2Options small = Http2Options.builder()
                .clientSettings(Settings.builder()
                        .set(Settings.INITIAL_WINDOW_SIZE, 1000)
                        .build())
                .build();
        s = Http2Scripted.start(
                (c, seen) -> {
                    c.handshake(Settings.EMPTY);
                    c.await(H2Peer.Headers.class);
                    c.await(Frame.Settings.class); // the client's ACK of ours; it has seen our ACK of its own
                    c.sendHeaders(1, false, ":status", "200");
                    c.sendData(1, new byte[1001], false);
                    seen.add(c.await(Frame.RstStream.class));
                },
                small);
        Exchange ex = s.await(s.get("/"));
        assertThat(ex.body.size()).isZero();
        assertThat(ex.error).isInstanceOfSatisfying(Http2StreamException.class, e -> assertThat(e.errorCode())
                .isEqualTo(ErrorCode.FLOW_CONTROL_ERROR));
        assertThat(s.seen(Frame.RstStream.class)).isEqualTo(new Frame.RstStream(1, ErrorCode.FLOW_CONTROL_ERROR));
        assertThat(s.conn.isOpen()).isTrue();
    }

    @Test
    void dataBeyondTheConnectionWindowIsAConnectionFlowControlError() throws Exception {
        // A 65,535-byte connection window that only grows when the owner consumes: the fifth 16 KiB frame overruns.
        Http2Options small = Http2Options.builder()
                .connectionWindowSize(65_535)
                .receiveWindowRelease(dev.finch.codec.http2.ReceiveWindow.Release.ON_CONSUME)
                .build();
        s = Http2Scripted.start(
                (c, seen) -> {
                    c.handshake(Settings.EMPTY);
                    c.await(H2Peer.Headers.class);
                    c.sendHeaders(1, false, ":status", "200");
                    for (int i = 0; i < 5; i++) {
                        c.sendData(1, new byte[16_384], false);
                    }
                    seen.add(c.await(Frame.GoAway.class));
                },
                small);
        Exchange ex = s.await(s.get("/"));
        assertThat(ex.body.size()).isEqualTo(3 * 16_384);
        assertConnectionError(ex, ErrorCode.FLOW_CONTROL_ERROR);
    }

    // ------------------------------------------------------------------------- malformed responses

    @Test
    void responseWithoutStatusIsAStreamError() throws Exception {
        streamErrorScript(c -> c.sendHeaders(1, true, "content-type", "text/plain"));
        assertStreamError(s.await(s.get("/")), ErrorCode.PROTOCOL_ERROR, Reason.MISSING_STATUS_HEADER);
    }

    @Test
    void trailersWithoutEndStreamAreAStreamError() throws Exception {
        streamErrorScript(c -> {
            c.sendHeaders(1, false, ":status", "200");
            c.sendData(1, "body".getBytes(), false);
            c.sendHeaders(1, false, "x-trailer", "late");
        });
        Exchange ex = s.await(s.get("/"));
        assertThat(ex.bodyText()).isEqualTo("body");
        assertStreamError(ex, ErrorCode.PROTOCOL_ERROR, Reason.INVALID_TRAILER);
    }

    @Test
    void interimResponseWithEndStreamIsAStreamError() throws Exception {
        streamErrorScript(c -> c.sendHeaders(1, true, ":status", "103"));
        assertStreamError(s.await(s.get("/")), ErrorCode.PROTOCOL_ERROR, Reason.INVALID_STATUS_LINE);
    }

    @Test
    void dataBeforeTheFinalStatusIsAStreamError() throws Exception {
        streamErrorScript(c -> c.sendData(1, "early".getBytes(), true));
        assertStreamError(s.await(s.get("/")), ErrorCode.PROTOCOL_ERROR, Reason.INVALID_STATUS_LINE);
    }

    @Test
    void bodyLongerThanContentLengthIsAStreamError() throws Exception {
        streamErrorScript(c -> {
            c.sendHeaders(1, false, ":status", "200", "content-length", "3");
            c.sendData(1, "four".getBytes(), true);
        });
        assertStreamError(s.await(s.get("/")), ErrorCode.PROTOCOL_ERROR, Reason.INVALID_CONTENT_LENGTH);
    }

    @Test
    void requestPseudoHeaderInAResponseIsAStreamError() throws Exception {
        streamErrorScript(c -> c.sendHeaders(1, true, ":status", "200", ":path", "/"));
        assertStreamError(s.await(s.get("/")), ErrorCode.PROTOCOL_ERROR, Reason.INVALID_HEADER);
    }

    @Test
    void uppercaseResponseHeaderNameIsAStreamError() throws Exception {
        streamErrorScript(c -> c.sendHeaders(1, true, ":status", "200", "X-Upper", "1"));
        assertStreamError(s.await(s.get("/")), ErrorCode.PROTOCOL_ERROR, Reason.INVALID_HEADER);
    }

    // ------------------------------------------------------------------------------------ closed streams

    @Test
    void dataOnAStreamThatEndedIsAStreamClosedErrorAndTheConnectionCarriesOn() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            c.await(H2Peer.Headers.class);
            c.respond(1, 200, "done");
            c.sendData(1, "late".getBytes(), false);
            seen.add(c.await(Frame.RstStream.class));
            c.respond(c.await(H2Peer.Headers.class).streamId(), 200, "ok");
        });
        Exchange first = s.await(s.get("/"));
        assertThat(first.done).isTrue();
        assertThat(first.bodyText()).isEqualTo("done");
        assertThat(s.await(s.get("/next")).bodyText()).isEqualTo("ok"); // reading on processes the late DATA
        assertThat(s.seen(Frame.RstStream.class)).isEqualTo(new Frame.RstStream(1, ErrorCode.STREAM_CLOSED));
    }

    @Test
    void windowUpdateAndRstStreamOnARecentlyClosedStreamAreTolerated() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            c.await(H2Peer.Headers.class);
            c.respond(1, 200, "done");
            c.send(new Frame.WindowUpdate(1, 100), new Frame.RstStream(1, ErrorCode.NO_ERROR));
            c.respond(c.await(H2Peer.Headers.class).streamId(), 200, "ok");
            seen.add(c.readUntilClose());
        });
        assertThat(s.await(s.get("/")).done).isTrue();
        assertThat(s.await(s.get("/next")).bodyText()).isEqualTo("ok");
        s.conn.close();
        assertThat(s.seen(List.class))
                .as("nothing but our GOAWAY NO_ERROR at close")
                .noneMatch(f -> f instanceof Frame.RstStream)
                .filteredOn(f -> f instanceof Frame.GoAway)
                .containsExactly(new Frame.GoAway(0, ErrorCode.NO_ERROR, new byte[0]));
    }

    @Test
    void headersOnAClosedStreamAreDecodedForHpackStateAndDropped() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            c.await(H2Peer.Headers.class);
            c.respond(1, 200, "done");
            // Late HEADERS on stream 1 insert "x-shared" into the dynamic table; the answer on stream 3 refers to
            // it by index. If the client dropped the late block undecoded, stream 3 would not decode.
            c.sendHeaders(1, true, ":status", "200", "x-shared", "from-the-table");
            int next = c.await(H2Peer.Headers.class).streamId();
            c.sendHeaders(next, true, ":status", "200", "x-shared", "from-the-table");
        });
        assertThat(s.await(s.get("/")).done).isTrue();
        Exchange second = s.await(s.get("/next"));
        assertThat(second.headers.first("x-shared")).isEqualTo("from-the-table");
        assertThat(s.conn.isOpen()).isTrue();
    }
}

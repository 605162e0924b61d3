package dev.finch.conn;

import static dev.finch.conn.Http2Scripted.reason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.codec.http2.ErrorCode;
import dev.finch.codec.http2.Frame;
import dev.finch.codec.http2.Http2StreamException;
import dev.finch.codec.http2.Settings;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.HttpProtocolException.Reason;
import dev.finch.testing.H2Peer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One request's life on a stream (RFC 9113 §5.1, §8.1): responses, trailers, resets, limits on streams. */
class Http2StreamLifecycleTest {
    private Http2Scripted s;

    @AfterEach
    void tearDown() throws Exception {
        if (s != null) {
            s.close();
        }
    }

    /** A peer that answers the first request with {@code answer}, then every later request with 200 "ok". */
    private void answerFirst(H2Peer.Script answer) throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            c.await(H2Peer.Headers.class);
            answer.run(c);
            while (true) {
                c.respond(c.await(H2Peer.Headers.class).streamId(), 200, "ok");
            }
        });
    }

    @Test
    void interimResponsesComeBeforeTheFinalOne() throws Exception {
        answerFirst(c -> {
            c.sendHeaders(1, false, ":status", "100");
            c.sendHeaders(1, false, ":status", "103", "link", "</style.css>; rel=preload");
            c.sendHeaders(1, false, ":status", "200", "content-length", "2");
            c.sendData(1, "hi".getBytes(), true);
        });
        RequestRef ref = s.get("/");
        Exchange ex = s.await(ref);
        assertThat(ex.parts)
                .containsExactly(
                        new ResponsePart.Status(ref, 100),
                        new ResponsePart.Headers(ref, HttpHeaders.EMPTY),
                        new ResponsePart.Status(ref, 103),
                        new ResponsePart.Headers(ref, HttpHeaders.of("link", "</style.css>; rel=preload")),
                        new ResponsePart.Status(ref, 200),
                        new ResponsePart.Headers(ref, HttpHeaders.of("content-length", "2")),
                        ex.parts.get(6),
                        new ResponsePart.Done(ref));
        assertThat(ex.bodyText()).isEqualTo("hi");
    }

    @Test
    void trailersFromTheServerArriveAsATrailersPart() throws Exception {
        answerFirst(c -> {
            c.sendHeaders(1, false, ":status", "200");
            c.sendData(1, "body".getBytes(), false);
            c.sendHeaders(1, true, "grpc-status", "0");
        });
        Exchange ex = s.await(s.get("/"));
        assertThat(ex.trailers).isEqualTo(HttpHeaders.of("grpc-status", "0"));
        assertThat(ex.parts.get(ex.parts.size() - 2)).isInstanceOf(ResponsePart.Trailers.class);
        assertThat(ex.done).isTrue();
    }

    @Test
    void severalCookieFieldsAreJoinedIntoOne() throws Exception {
        answerFirst(c -> c.sendHeaders(1, true, ":status", "200", "cookie", "a=1", "x-other", "o", "cookie", "b=2"));
        Exchange ex = s.await(s.get("/"));
        assertThat(ex.headers).isEqualTo(HttpHeaders.of("cookie", "a=1; b=2", "x-other", "o"));
    }

    @Test
    void responseEndingWhileWeStillSendStopsOurBodyWithRstStreamNoError() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            c.await(H2Peer.Headers.class);
            c.respond(1, 413, "too large");
            seen.add(c.await(Frame.RstStream.class));
        });
        RequestRef ref = s.conn.request("POST", "/", HttpHeaders.EMPTY, RequestBody.streaming());
        Exchange ex = s.await(ref);
        assertThat(ex.status()).isEqualTo(413);
        assertThat(ex.done).isTrue();
        assertThat(s.seen(Frame.RstStream.class)).isEqualTo(new Frame.RstStream(1, ErrorCode.NO_ERROR));
        assertThatThrownBy(() -> s.conn.streamRequestBody(ref, ByteBuffer.wrap(new byte[1])))
                .isInstanceOfSatisfying(
                        HttpProtocolException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_REQUEST));
        assertThat(s.conn.openRequestCount()).isZero();
    }

    @Test
    void refusedStreamIsUnprocessedAndSafeToRetry() throws Exception {
        answerFirst(c -> c.send(new Frame.RstStream(1, ErrorCode.REFUSED_STREAM)));
        Exchange ex = s.await(s.get("/"));
        assertThat(reason(ex)).isEqualTo(Reason.UNPROCESSED);
        assertThat(((ResponsePart.Error) ex.parts.get(0)).isRetrySafe()).isTrue();
        assertThat(s.await(s.get("/retry")).done).isTrue();
    }

    @Test
    void serverResetIsServerClosedRequestWithItsCode() throws Exception {
        answerFirst(c -> {
            c.sendHeaders(1, false, ":status", "200");
            c.send(new Frame.RstStream(1, ErrorCode.INTERNAL_ERROR));
        });
        Exchange ex = s.await(s.get("/"));
        assertThat(ex.statuses).containsExactly(200);
        assertThat(ex.error).isInstanceOfSatisfying(Http2StreamException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.SERVER_CLOSED_REQUEST);
            assertThat(e.errorCode()).isEqualTo(ErrorCode.INTERNAL_ERROR);
        });
        assertThat(((ResponsePart.Error) ex.parts.get(ex.parts.size() - 1)).isRetrySafe())
                .isFalse();
        assertThat(s.conn.isOpen()).isTrue();
    }

    @Test
    void resetWithNoErrorAfterACompleteAnswerIsDone() throws Exception {
        answerFirst(c -> {
            c.sendHeaders(1, false, ":status", "200", "content-length", "2");
            c.sendData(1, "ok".getBytes(), false);
            c.send(new Frame.RstStream(1, ErrorCode.NO_ERROR));
        });
        Exchange ex = s.await(s.get("/"));
        assertThat(ex.done).isTrue();
        assertThat(ex.bodyText()).isEqualTo("ok");
    }

    @Test
    void resetWithNoErrorBeforeAnyAnswerIsAnError() throws Exception {
        answerFirst(c -> c.send(new Frame.RstStream(1, ErrorCode.NO_ERROR)));
        Exchange ex = s.await(s.get("/"));
        assertThat(ex.error).isInstanceOfSatisfying(Http2StreamException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.SERVER_CLOSED_REQUEST);
            assertThat(e.errorCode()).isEqualTo(ErrorCode.NO_ERROR);
        });
    }

    @Test
    void serverPingIsAcknowledgedWithItsPayload() throws Exception {
        answerFirst(c -> {
            c.send(new Frame.Ping(false, 0x0102030405060708L));
            Frame.Ping ack;
            do {
                ack = c.await(Frame.Ping.class);
            } while (!ack.ack());
            c.respond(1, 200, Long.toHexString(ack.payload()));
        });
        assertThat(s.await(s.get("/")).bodyText()).isEqualTo("102030405060708");
    }

    @Test
    void extensionFramesAndUnknownSettingsAreIgnored() throws Exception {
        answerFirst(c -> {
            c.write(new byte[] {0, 0, 3, (byte) 0xfa, 0, 0, 0, 0, 1, 1, 2, 3}); // type 0xfa on stream 1
            c.write(new byte[] {0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 0x7f, 0, 0, 0, 1}); // SETTINGS id 0x7f = 1
            c.respond(1, 200, "fine");
        });
        assertThat(s.await(s.get("/")).bodyText()).isEqualTo("fine");
    }

    @Test
    void cancelledRequestIsResetAndFramesAlreadyInFlightAreIgnored() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            c.await(H2Peer.Headers.class);
            seen.add(c.await(Frame.RstStream.class));
            // Sent "before" the server saw the reset: §5.1 says the client ignores them.
            c.sendHeaders(1, false, ":status", "200");
            c.sendData(1, new byte[100], true);
            H2Peer.Headers next = c.await(H2Peer.Headers.class);
            c.respond(next.streamId(), 200, "ok");
            List<Object> after = new ArrayList<>();
            Object f;
            while (!((f = c.next()) instanceof Frame.GoAway)) {
                after.add(f);
            }
            seen.add(after);
        });
        RequestRef ref = s.get("/");
        List<ResponsePart> parts = s.conn.cancelRequest(ref);
        assertThat(parts).singleElement().isInstanceOfSatisfying(ResponsePart.Error.class, e -> {
            assertThat(e.ref()).isSameAs(ref);
            assertThat(((HttpProtocolException) e.error()).reason()).isEqualTo(Reason.CANCELLED);
        });
        assertThat(s.conn.cancelRequest(ref))
                .as("cancelling twice does nothing")
                .isEmpty();
        assertThat(s.seen(Frame.RstStream.class)).isEqualTo(new Frame.RstStream(1, ErrorCode.CANCEL));
        Exchange next = s.await(s.get("/next"));
        assertThat(next.parts).noneMatch(p -> p.ref() == ref);
        assertThat(next.bodyText()).isEqualTo("ok");
        s.conn.close();
        assertThat(s.seen(List.class))
                .as("no STREAM_CLOSED for frames on the stream we reset")
                .noneMatch(f -> f instanceof Frame.RstStream);
    }

    @Test
    void requestsBeyondTheServersConcurrentStreamLimitAreRefusedAndNothingIsSent() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(
                    Settings.builder().set(Settings.MAX_CONCURRENT_STREAMS, 2).build());
            c.answerPing();
            c.await(H2Peer.Headers.class);
            c.await(H2Peer.Headers.class);
            c.respond(1, 200, "one");
            seen.add(c.await(H2Peer.Headers.class));
        });
        s.conn.ping();
        s.conn.recv(Http2Scripted.WAIT);
        assertThat(s.conn.serverSettings().maxConcurrentStreams()).isEqualTo(2);
        RequestRef first = s.get("/1");
        s.get("/2");
        assertThatThrownBy(() -> s.get("/3"))
                .isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                        .isEqualTo(Reason.TOO_MANY_CONCURRENT_REQUESTS));
        assertThat(s.await(first).bodyText()).isEqualTo("one");
        s.get("/3-again");
        H2Peer.Headers third = s.seen(H2Peer.Headers.class);
        assertThat(third.streamId()).as("the refused request used no stream id").isEqualTo(5);
        assertThat(third.fields().first(":path")).isEqualTo("/3-again");
    }

    @Test
    void untilTheServersSettingsArriveAHundredConcurrentStreamsAreAssumed() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.readPreface();
            int count = 0;
            for (int i = 0; i < 100; i++) {
                c.await(H2Peer.Headers.class);
                count++;
            }
            seen.add(count);
        });
        assertThat(s.conn.serverSettings().maxConcurrentStreams()).isEqualTo(100);
        for (int i = 0; i < 100; i++) {
            s.get("/" + i);
        }
        assertThatThrownBy(() -> s.get("/101"))
                .isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                        .isEqualTo(Reason.TOO_MANY_CONCURRENT_REQUESTS));
        assertThat(s.seen(Integer.class)).isEqualTo(100);
        assertThat(s.conn.openRequestCount()).isEqualTo(100);
    }

    @Test
    void whenStreamIdsRunOutTheConnectionIsClosedForWriting() throws Exception {
        answerFirst(c -> c.respond(Integer.MAX_VALUE, 200, "last"));
        s.conn.skipStreamIdsTo(Integer.MAX_VALUE);
        RequestRef last = s.get("/");
        assertThat(s.conn.isOpen()).isFalse();
        assertThat(s.conn.isReadable()).isTrue();
        assertThatThrownBy(() -> s.get("/one-more"))
                .isInstanceOfSatisfying(
                        HttpProtocolException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CLOSED_FOR_WRITING));
        assertThat(s.await(last).bodyText()).isEqualTo("last");
    }
}

package dev.finch.codec.http1;

import static dev.finch.codec.http1.DecoderFixture.bytes;
import static dev.finch.codec.http1.DecoderFixture.failure;
import static dev.finch.codec.http1.RecordingHandler.headers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.codec.http1.RecordingHandler.Data;
import dev.finch.codec.http1.RecordingHandler.Done;
import dev.finch.codec.http1.RecordingHandler.Status;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException.Reason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Keep-alive (RFC 9112 §9.3), pipelining, tunnels, the peer's close, and the decoder's own life cycle. */
class Http1DecoderConnectionTest {

    @Test
    void keepsHttp11Alive() throws Exception {
        var f = new DecoderFixture("GET").feed("HTTP/1.1 204 No Content\r\n\r\n");

        assertThat(f.events()).endsWith(new Done(true));
    }

    @ParameterizedTest
    @ValueSource(strings = {"close", "Close", "keep-alive, close", " foo ,CLOSE\t"})
    void closesHttp11OnConnectionCloseToken(String value) throws Exception {
        var f = new DecoderFixture("GET")
                .feed("HTTP/1.1 200 OK\r\nconnection: " + value + "\r\ncontent-length: 0\r\n\r\n");

        assertThat(f.events()).endsWith(new Done(false));
    }

    @Test
    void findsCloseInAnyConnectionField() throws Exception {
        var f = new DecoderFixture("GET")
                .feed("HTTP/1.1 200 OK\r\nconnection: upgrade\r\nConnection: close\r\ncontent-length: 0\r\n\r\n");

        assertThat(f.events()).endsWith(new Done(false));
    }

    @Test
    void doesNotMistakeCloseInsideAnotherToken() throws Exception {
        var f = new DecoderFixture("GET")
                .feed("HTTP/1.1 200 OK\r\nconnection: closed, x-close\r\ncontent-length: 0\r\n\r\n");

        assertThat(f.events()).endsWith(new Done(true));
    }

    @Test
    void closesHttp10WithoutKeepAlive() throws Exception {
        var f = new DecoderFixture("GET").feed("HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n");

        assertThat(f.events()).endsWith(new Done(false));
    }

    @Test
    void keepsHttp10AliveWithKeepAlive() throws Exception {
        var f = new DecoderFixture("GET")
                .feed("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\ncontent-length: 0\r\n\r\n");

        assertThat(f.events()).endsWith(new Done(true));
    }

    @Test
    void closesHttp10WithTransferEncodingAfterTheMessage() throws Exception {
        // RFC 9112 §6.1: Transfer-Encoding from an HTTP/1.0 sender means the framing is faulty.
        var f = new DecoderFixture("GET")
                .feed(
                        "HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ntransfer-encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n");

        assertThat(f.events()).endsWith(new Data("x"), new Done(false));
    }

    @Test
    void closesAfterCloseDelimitedBody() throws Exception {
        var f = new DecoderFixture("GET", "GET")
                .feed("HTTP/1.1 200 OK\r\n\r\nbody")
                .close();

        assertThat(f.events()).endsWith(new Data("body"), new Done(false));
        assertThat(f.decoder.pendingResponses()).isEqualTo(1);
    }

    @Test
    void decodesPipelinedResponsesFromOneBuffer() throws Exception {
        var f = new DecoderFixture("GET", "HEAD", "GET")
                .feed("HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\na"
                        + "HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n"
                        + "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\nc\r\n0\r\n\r\n");

        assertThat(f.events())
                .containsExactly(
                        new Status(200),
                        headers("content-length", "1"),
                        new Data("a"),
                        new Done(true),
                        new Status(200),
                        headers("content-length", "9"),
                        new Done(true),
                        new Status(200),
                        headers("transfer-encoding", "chunked"),
                        new Data("c"),
                        new Done(true));
        assertThat(f.decoder.pendingResponses()).isZero();
    }

    @Test
    void rejectsBytesAfterTheLastExpectedResponse() {
        var f = new DecoderFixture("GET");

        var e = failure(() -> f.feed("HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\naHTTP/1.1 200 OK\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.UNEXPECTED_DATA);
        assertThat(e.detail()).contains("0x48 ('H')");
        assertThat(f.events()).endsWith(new Data("a"), new Done(true));
    }

    @Test
    void rejectsDataWithNoResponseExpected() {
        var e = failure(() -> new DecoderFixture().feed("\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.UNEXPECTED_DATA);
    }

    @Test
    void ignoresInputAfterDoneFalse() throws Exception {
        var f = new DecoderFixture("GET", "GET")
                .feed("HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 1\r\n\r\nxgarbage")
                .feed("more garbage");

        assertThat(f.events()).endsWith(new Data("x"), new Done(false));
        assertThat(f.events()).hasSize(4);
        assertThatThrownBy(() -> f.decoder.expectResponse("GET")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void switchingProtocolsEndsTheExchangeAndLeavesTheRestOfTheInput() throws Exception {
        var f = new DecoderFixture("GET");
        ByteBuffer in = bytes("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n"
                + "\u0081\u0002hi");

        f.decoder.decode(in, f.handler);

        assertThat(f.events())
                .containsExactly(
                        new Status(101), headers("upgrade", "websocket", "connection", "upgrade"), new Done(false));
        assertThat(StandardCharsets.ISO_8859_1.decode(in).toString()).isEqualTo("\u0081\u0002hi");
    }

    @Test
    void connectSuccessOpensTunnelAndLeavesTheRestOfTheInput() throws Exception {
        var f = new DecoderFixture("CONNECT");
        ByteBuffer in = bytes("HTTP/1.1 200 Connection Established\r\ncontent-length: 99\r\n\r\n\u0016\u0003\u0001");

        f.decoder.decode(in, f.handler);

        assertThat(f.events()).containsExactly(new Status(200), headers("content-length", "99"), new Done(false));
        assertThat(in.remaining()).isEqualTo(3);
        assertThat(in.get()).isEqualTo((byte) 0x16);

        f.feed("tunnel bytes are not ours");
        assertThat(f.events()).hasSize(3);
    }

    @Test
    void connectRefusalHasABody() throws Exception {
        var f = new DecoderFixture("CONNECT")
                .feed("HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 4\r\n\r\ndeny");

        assertThat(f.events()).endsWith(new Data("deny"), new Done(true));
    }

    @Test
    void treatsMethodsCaseSensitively() throws Exception {
        // "head" is not HEAD (RFC 9110 §9.1), so this response has a body.
        var f = new DecoderFixture("head").feed("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");

        assertThat(f.events()).endsWith(new Data("ok"), new Done(true));
    }

    @Test
    void closeBeforeAnyByteOfAnExpectedResponseIsClosed() {
        var f = new DecoderFixture("GET");

        var e = failure(f::close);

        assertThat(e.reason()).isEqualTo(Reason.CLOSED);
        assertThat(e.detail()).contains("1 response(s) expected");
    }

    @Test
    void closeWithNothingExpectedDoesNothing() throws Exception {
        var f = new DecoderFixture("GET")
                .feed("HTTP/1.1 204 No Content\r\n\r\n")
                .close();

        assertThat(f.events()).hasSize(3);
    }

    @Test
    void closeInTheStatusLineTruncatesTheResponse() throws Exception {
        var f = new DecoderFixture("GET").feed("HTTP/1.1 2");

        var e = failure(f::close);

        assertThat(e.reason()).isEqualTo(Reason.BODY_TRUNCATED);
        assertThat(e.detail()).contains("status line");
    }

    @Test
    void closeInTheHeaderSectionTruncatesTheResponse() throws Exception {
        var f = new DecoderFixture("GET").feed("HTTP/1.1 200 OK\r\nserver: x\r\n");

        var e = failure(f::close);

        assertThat(e.reason()).isEqualTo(Reason.BODY_TRUNCATED);
        assertThat(e.detail()).contains("header section");
    }

    @Test
    void closeAfterInterimResponseTruncatesTheResponse() throws Exception {
        var f = new DecoderFixture("GET").feed("HTTP/1.1 100 Continue\r\n\r\n");

        var e = failure(f::close);

        assertThat(e.reason()).isEqualTo(Reason.BODY_TRUNCATED);
        assertThat(e.detail()).contains("after 1 interim response");
    }

    @Test
    void closeInFixedLengthBodyTruncatesTheResponse() throws Exception {
        var f = new DecoderFixture("GET").feed("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789");

        var e = failure(f::close);

        assertThat(e.reason()).isEqualTo(Reason.BODY_TRUNCATED);
        assertThat(e.detail()).isEqualTo("got 10 of 100 bytes");
        assertThat(f.events()).endsWith(new Data("0123456789"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "5",
                "5\r\nab",
                "5\r\nabcde",
                "5\r\nabcde\r",
                "5\r\nabcde\r\n0\r\n",
                "5\r\nabcde\r\n0\r\nx: y\r\n"
            })
    void closeInChunkedBodyTruncatesTheResponse(String body) throws Exception {
        var f = new DecoderFixture("GET").feed("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + body);

        var e = failure(f::close);

        assertThat(e.reason()).isEqualTo(Reason.BODY_TRUNCATED);
    }

    @Test
    void closeAfterDoneFalseDoesNothing() throws Exception {
        var f = new DecoderFixture("GET", "GET")
                .feed("HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n")
                .close();

        assertThat(f.events()).endsWith(new Done(false));
    }

    @Test
    void isDeadAfterAnError() {
        var f = new DecoderFixture("GET", "GET");
        failure(() -> f.feed("HTTP/9.9 200 OK\r\n"));

        assertThatThrownBy(() -> f.feed("HTTP/1.1 200 OK\r\n")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(f::close).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> f.decoder.expectResponse("GET")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void isDeadAfterAnErrorAtEndOfInput() {
        var f = new DecoderFixture("GET");
        failure(f::close);

        assertThatThrownBy(f::close).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void refusesInputAfterEndOfInput() throws Exception {
        var f = new DecoderFixture().close();

        assertThatThrownBy(() -> f.feed("x")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void isDeadAfterTheHandlerThrows() {
        var decoder = new Http1Decoder(Http1Limits.DEFAULTS);
        decoder.expectResponse("GET");
        var boom = new RuntimeException("handler failed");

        Http1ResponseHandler throwing = new Http1ResponseHandler() {
            @Override
            public void status(int code) {
                throw boom;
            }

            @Override
            public void headers(HttpHeaders headers) {}

            @Override
            public void data(ByteBuffer data) {}

            @Override
            public void trailers(HttpHeaders trailers) {}

            @Override
            public void done(boolean keepAlive) {}
        };

        assertThatThrownBy(() -> decoder.decode(bytes("HTTP/1.1 200 OK\r\n"), throwing))
                .isSameAs(boom);
        assertThatThrownBy(() -> decoder.decode(bytes("\r\n"), new RecordingHandler()))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void tracksPendingAndStartedResponses() throws Exception {
        var f = new DecoderFixture("GET", "GET");
        assertThat(f.decoder.pendingResponses()).isEqualTo(2);
        assertThat(f.decoder.inResponse()).isFalse();

        f.feed("H");
        assertThat(f.decoder.inResponse()).isTrue();

        f.feed("TTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nx");
        assertThat(f.decoder.inResponse()).isFalse();
        assertThat(f.decoder.pendingResponses()).isEqualTo(1);
    }

    @Test
    void consumesAllInputAndKeepsPartialLinesItself() throws Exception {
        var f = new DecoderFixture("GET");
        byte[] reused = new byte[64];
        String[] pieces = {"HTTP/1.1 200 O", "K\r\nx-a: o", "ne\r\ncontent-length: 2\r", "\n\r\nhi"};

        for (String piece : pieces) {
            // The caller overwrites its buffer between calls: the decoder must have copied what it kept.
            Arrays.fill(reused, (byte) '#');
            ByteBuffer in = ByteBuffer.wrap(reused);
            in.put(piece.getBytes(StandardCharsets.ISO_8859_1)).flip();
            f.decoder.decode(in, f.handler);
            assertThat(in.hasRemaining()).isFalse();
        }

        assertThat(f.events())
                .containsExactly(
                        new Status(200), headers("x-a", "one", "content-length", "2"), new Data("hi"), new Done(true));
    }

    @Test
    void ignoresEmptyInput() throws Exception {
        var f = new DecoderFixture().feed("");

        assertThat(f.events()).isEmpty();
        assertThat(f.decoder.inResponse()).isFalse();
    }
}

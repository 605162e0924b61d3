package dev.finch.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.codec.http2.Frame;
import dev.finch.codec.http2.FrameType;
import dev.finch.codec.http2.Settings;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.HttpProtocolException.Reason;
import dev.finch.testing.H2Peer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What a request looks like on the wire, frame by frame, as the scripted peer reads it. */
class Http2RequestOnTheWireTest {
    private Http2Scripted s;

    @AfterEach
    void tearDown() throws Exception {
        if (s != null) {
            s.close();
        }
    }

    /** A peer that reports the first request's HEADERS and answers every request with 200 "ok". */
    private void answering(Settings serverSettings) throws Exception {
        answering(serverSettings, false);
    }

    /** As above; with {@code pingFirst} it first answers one ping, so the test can wait for the server's SETTINGS. */
    private void answering(Settings serverSettings, boolean pingFirst) throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(serverSettings);
            if (pingFirst) {
                c.answerPing();
            }
            while (true) {
                H2Peer.Headers h = c.await(H2Peer.Headers.class);
                seen.add(h);
                if (!h.endStream()) {
                    Frame.Data d;
                    do {
                        d = c.await(Frame.Data.class);
                    } while (!d.endStream());
                }
                c.respond(h.streamId(), 200, "ok");
            }
        });
    }

    private static List<String> names(HttpHeaders h) {
        return h.asList().stream().map(HttpHeaders.Field::name).collect(Collectors.toList());
    }

    @Test
    void prefaceCarriesOurSettingsAndRaisesTheConnectionWindow() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            seen.add(c.readPreface());
            seen.add(c.next());
        });
        Settings settings = s.seen(Frame.Settings.class).values();
        assertThat(settings.enablePush()).isFalse();
        assertThat(settings.initialWindowSize()).isEqualTo(4 * 1024 * 1024);
        assertThat(settings.maxHeaderListSize()).isEqualTo(256 * 1024);
        assertThat(s.seen(Frame.WindowUpdate.class)).isEqualTo(new Frame.WindowUpdate(0, 16 * 1024 * 1024 - 65_535));
    }

    @Test
    void pseudoHeadersComeFirstInOrderAndNamesAreLowercased() throws Exception {
        answering(Settings.EMPTY);
        s.await(s.conn.request("GET", "/p?q=1", HttpHeaders.of("X-Mixed-Case", "v"), RequestBody.none()));
        HttpHeaders fields = s.seen(H2Peer.Headers.class).fields();
        assertThat(names(fields)).startsWith(":method", ":scheme", ":authority", ":path");
        assertThat(fields.first(":method")).isEqualTo("GET");
        assertThat(fields.first(":scheme")).isEqualTo("http");
        assertThat(fields.first(":authority")).isEqualTo("127.0.0.1:" + s.peer.port());
        assertThat(fields.first(":path")).isEqualTo("/p?q=1");
        assertThat(names(fields)).contains("x-mixed-case", "user-agent").doesNotContain("host");
    }

    @Test
    void defaultPortIsLeftOutOfAuthority() throws Exception {
        HttpHeaders fields =
                Http2RequestFields.build("GET", "/", HttpHeaders.EMPTY, Scheme.HTTPS, "example.com", null, true, -1);
        assertThat(fields.first(":authority")).isEqualTo("example.com");
        assertThat(Connections.alpnOffer(java.util.EnumSet.allOf(Protocol.class)))
                .containsExactly("h2", "http/1.1");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "http://user:secret@example.com:80/x, example.com",
        "http://user@example.com:8080/x, example.com:8080",
        "https://example.com:443/x, example.com",
        "https://example.com:80/x, example.com:80",
        "http://[::1]:8080/x, '[::1]:8080'",
        "http://u:p@[::1]/x, '[::1]'",
        "HTTP://example.com:/x, example.com"
    })
    void absoluteFormAuthorityHasNoUserinfoAndNoDefaultPort(String target, String authority) throws Exception {
        // RFC 9113 §8.3.1: ":authority MUST NOT include the deprecated userinfo subcomponent" for http(s).
        HttpHeaders fields = Http2RequestFields.build(
                "GET", target, HttpHeaders.EMPTY, Scheme.HTTP, "origin.example", null, true, -1);
        assertThat(fields.first(":authority")).isEqualTo(authority);
        assertThat(fields.first(":path")).isEqualTo("/x");
    }

    @Test
    void hostHeaderBecomesTheAuthority() throws Exception {
        answering(Settings.EMPTY);
        s.await(s.conn.request("GET", "/", HttpHeaders.of("Host", "virtual.example"), RequestBody.none()));
        HttpHeaders fields = s.seen(H2Peer.Headers.class).fields();
        assertThat(fields.first(":authority")).isEqualTo("virtual.example");
        assertThat(fields.contains("host")).isFalse();
    }

    @Test
    void byteBodyGetsContentLengthAndEndsWithEndStreamOnItsLastDataFrame() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            seen.add(c.await(H2Peer.Headers.class));
            List<Frame.Data> data = new ArrayList<>();
            do {
                data.add(c.await(Frame.Data.class));
            } while (!data.get(data.size() - 1).endStream());
            seen.add(data);
            c.respond(1, 200, "ok");
        });
        s.await(s.conn.request("POST", "/", HttpHeaders.EMPTY, RequestBody.of(new byte[40_000])));
        H2Peer.Headers headers = s.seen(H2Peer.Headers.class);
        assertThat(headers.endStream()).isFalse();
        assertThat(headers.fields().first("content-length")).isEqualTo("40000");
        List<?> data = s.seen(List.class);
        assertThat(data)
                .as("DATA cut at the server's 16 KiB max frame size")
                .extracting(d -> ((Frame.Data) d).data().length)
                .containsExactly(16_384, 16_384, 7_232);
        assertThat(data).extracting(d -> ((Frame.Data) d).endStream()).containsExactly(false, false, true);
    }

    @Test
    void dataFramesFollowTheServersMaxFrameSize() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.builder().set(Settings.MAX_FRAME_SIZE, 20_000).build());
            c.answerPing();
            c.await(H2Peer.Headers.class);
            seen.add(c.await(Frame.Data.class));
            c.await(Frame.Data.class);
            c.respond(1, 200, "ok");
        });
        // Wait for the server's SETTINGS before sending: recv until the ACK went out (a ping round trip).
        s.conn.ping();
        s.conn.recv(Http2Scripted.WAIT);
        s.conn.request("POST", "/", HttpHeaders.EMPTY, RequestBody.of(new byte[30_000]));
        assertThat(s.seen(Frame.Data.class).data()).hasSize(20_000);
    }

    /**
     * A peer that answers {@code requests} requests with 200, then reports the frame headers it saw; with {@code
     * pingFirst} it first answers one ping.
     */
    private void reportingRawFrames(Settings serverSettings, int requests, boolean pingFirst) throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(serverSettings);
            if (pingFirst) {
                c.answerPing();
            }
            for (int i = 0; i < requests; i++) {
                c.respond(c.await(H2Peer.Headers.class).streamId(), 200, "ok");
            }
            seen.add(new ArrayList<>(c.rawFrames()));
        });
    }

    private List<H2Peer.RawFrame> rawHeaderFrames() throws InterruptedException {
        List<?> raw = s.seen(List.class);
        return raw.stream()
                .map(H2Peer.RawFrame.class::cast)
                .filter(f -> f.type() == FrameType.HEADERS.code() || f.type() == FrameType.CONTINUATION.code())
                .collect(Collectors.toList());
    }

    @Test
    void largeHeaderBlockIsSplitIntoHeadersAndContinuationFrames() throws Exception {
        reportingRawFrames(Settings.EMPTY, 1, false);
        String big = "v".repeat(40_000);
        Exchange ex = s.await(s.conn.request("GET", "/", HttpHeaders.of("x-big", big), RequestBody.none()));
        assertThat(ex.done).isTrue();
        List<H2Peer.RawFrame> frames = rawHeaderFrames();
        assertThat(frames)
                .extracting(H2Peer.RawFrame::type)
                .containsExactly(
                        FrameType.HEADERS.code(), FrameType.CONTINUATION.code(), FrameType.CONTINUATION.code());
        assertThat(frames).extracting(H2Peer.RawFrame::length).allMatch(n -> n <= 16_384);
        assertThat(frames.get(0).length()).isEqualTo(16_384);
        assertThat(frames).extracting(f -> f.flags() & 0x4).containsExactly(0, 0, 0x4); // END_HEADERS on the last
    }

    @Test
    void requestTrailersEndAStreamedBodyAsHeadersWithEndStream() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            c.await(H2Peer.Headers.class);
            seen.add(c.await(Frame.Data.class));
            seen.add(c.await(H2Peer.Headers.class));
            c.respond(1, 200, "ok");
        });
        RequestRef ref = s.conn.request("POST", "/", HttpHeaders.of("te", "trailers"), RequestBody.streaming());
        s.conn.streamRequestBody(ref, ByteBuffer.wrap("chunk".getBytes()));
        s.conn.endRequestBody(ref, HttpHeaders.of("X-Checksum", "abc"));
        assertThat(s.await(ref).done).isTrue();
        Frame.Data data = s.seen(Frame.Data.class);
        assertThat(new String(data.data())).isEqualTo("chunk");
        assertThat(data.endStream()).isFalse();
        H2Peer.Headers trailers = s.seen(H2Peer.Headers.class);
        assertThat(trailers.endStream()).isTrue();
        assertThat(trailers.fields()).isEqualTo(HttpHeaders.of("x-checksum", "abc"));
    }

    @Test
    void invalidTrailersAreRefusedAndTheBodyCanStillEnd() throws Exception {
        answering(Settings.EMPTY);
        RequestRef ref = s.conn.request("POST", "/", HttpHeaders.EMPTY, RequestBody.streaming());
        assertThatThrownBy(() -> s.conn.endRequestBody(ref, HttpHeaders.of("connection", "close")))
                .isInstanceOfSatisfying(
                        HttpProtocolException.class, e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER_NAME));
        s.conn.endRequestBody(ref, HttpHeaders.EMPTY);
        assertThat(s.await(ref).done).isTrue();
    }

    @Test
    void connectionSpecificHeaderIsRefusedAndNothingIsSent() throws Exception {
        answering(Settings.EMPTY);
        assertThatThrownBy(() ->
                        s.conn.request("GET", "/", HttpHeaders.of("Connection", "keep-alive"), RequestBody.none()))
                .isInstanceOfSatisfying(HttpProtocolException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER_NAME);
                    assertThat(e.getMessage()).contains("connection");
                });
        assertThat(s.conn.isOpen()).isTrue();
        RequestRef ok = s.get("/after");
        assertThat(s.await(ok).done).isTrue();
        H2Peer.Headers first = s.seen(H2Peer.Headers.class);
        assertThat(first.streamId()).as("the refused request used no stream").isEqualTo(1);
        assertThat(first.fields().first(":path")).isEqualTo("/after");
    }

    @Test
    void headerValueWithCrLfIsRefusedNamingTheHeader() throws Exception {
        answering(Settings.EMPTY);
        assertThatThrownBy(() -> s.conn.request("GET", "/", HttpHeaders.of("x-evil", "a\r\nb: c"), RequestBody.none()))
                .isInstanceOfSatisfying(HttpProtocolException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER_VALUE);
                    assertThat(e.getMessage()).contains("x-evil");
                });
        assertThat(s.await(s.get("/after")).done).isTrue();
        assertThat(s.seen(H2Peer.Headers.class).fields().first(":path")).isEqualTo("/after");
    }

    @Test
    void headerListAboveTheServersLimitIsRefusedAndNothingIsSent() throws Exception {
        answering(Settings.builder().set(Settings.MAX_HEADER_LIST_SIZE, 1000).build(), true);
        s.conn.ping();
        s.conn.recv(Http2Scripted.WAIT); // the server's SETTINGS have arrived
        assertThatThrownBy(
                        () -> s.conn.request("GET", "/", HttpHeaders.of("x-big", "v".repeat(1000)), RequestBody.none()))
                .isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                        .isEqualTo(Reason.MAX_HEADER_LIST_SIZE_EXCEEDED));
        assertThat(s.await(s.get("/after")).done).isTrue();
        assertThat(s.seen(H2Peer.Headers.class).streamId()).isEqualTo(1);
    }

    @Test
    void contentLengthThatDoesNotMatchTheBodyIsRefused() throws Exception {
        answering(Settings.EMPTY);
        assertThatThrownBy(() ->
                        s.conn.request("POST", "/", HttpHeaders.of("content-length", "5"), RequestBody.of(new byte[4])))
                .isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                        .isEqualTo(Reason.INVALID_CONTENT_LENGTH));
        assertThat(s.conn.isOpen()).isTrue();
    }

    @Test
    void streamedBodyShortOfItsContentLengthResetsOnlyItsStream() throws Exception {
        s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            c.await(H2Peer.Headers.class);
            seen.add(c.await(Frame.RstStream.class));
            c.respond(c.await(H2Peer.Headers.class).streamId(), 200, "ok");
        });
        RequestRef ref = s.conn.request("POST", "/", HttpHeaders.of("content-length", "10"), RequestBody.streaming());
        s.conn.streamRequestBody(ref, ByteBuffer.wrap(new byte[4]));
        assertThatThrownBy(() -> s.conn.endRequestBody(ref, HttpHeaders.EMPTY))
                .isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                        .isEqualTo(Reason.INVALID_CONTENT_LENGTH));
        assertThat(s.seen(Frame.RstStream.class).error()).isEqualTo(dev.finch.codec.http2.ErrorCode.CANCEL);
        assertThat(s.conn.recv(Http2Scripted.WAIT)).singleElement().isInstanceOf(ResponsePart.Error.class);
        assertThat(s.await(s.get("/after")).done).isTrue();
    }

    @Test
    void ourEncoderIndexesRepeatedFieldsByDefault() throws Exception {
        reportingRawFrames(Settings.EMPTY, 2, false);
        HttpHeaders same = HttpHeaders.of("x-repeated", "a-value-worth-indexing-" + "x".repeat(40));
        s.await(s.conn.request("GET", "/", same, RequestBody.none()));
        s.await(s.conn.request("GET", "/", same, RequestBody.none()));
        List<H2Peer.RawFrame> frames = rawHeaderFrames();
        assertThat(frames.get(1).length()).isLessThan(frames.get(0).length() - 40);
    }

    @Test
    void serverHeaderTableSizeOfZeroStopsOurEncoderFromIndexing() throws Exception {
        reportingRawFrames(Settings.builder().set(Settings.HEADER_TABLE_SIZE, 0).build(), 2, true);
        s.conn.ping();
        s.conn.recv(Http2Scripted.WAIT); // the server's SETTINGS have arrived
        HttpHeaders same = HttpHeaders.of("x-repeated", "a-value-worth-indexing-" + "x".repeat(40));
        s.await(s.conn.request("GET", "/", same, RequestBody.none()));
        s.await(s.conn.request("GET", "/", same, RequestBody.none()));
        List<H2Peer.RawFrame> frames = rawHeaderFrames();
        // The first block starts with a table size update to 0 (one byte); the second is the same fields, unindexed.
        assertThat(frames.get(1).length()).isEqualTo(frames.get(0).length() - 1);
    }
}

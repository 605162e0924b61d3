package dev.finch.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.finch.codec.http1.Http1Limits;
import dev.finch.codec.http2.ErrorCode;
import dev.finch.codec.http2.Frame;
import dev.finch.codec.http2.Http2StreamException;
import dev.finch.codec.http2.Settings;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.HttpProtocolException.Reason;
import dev.finch.testing.H2Peer;
import dev.finch.testing.JettyServer;
import dev.finch.testing.RawServer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import org.eclipse.jetty.server.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Mint's connection options, each observed on the wire: header-name case, target validation on both protocols, the
 * header list limits of both protocols, the HTTP/2 settings and windows we advertise and then hold the server to, and
 * IPv6 literal hosts; and the options refused when set.
 */
class ConnectionOptionsTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final ConnectOptions H2C =
            ConnectOptions.builder().protocols(EnumSet.of(Protocol.HTTP2)).build();

    /** Reports the first request's HEADERS and answers it with 204. */
    private static final Http2Scripted.Script ANSWER_ONE_REQUEST = (c, seen) -> {
        c.handshake(Settings.EMPTY);
        H2Peer.Headers request = c.await(H2Peer.Headers.class);
        seen.add(request);
        c.respond(request.streamId(), 204, "");
    };

    private RawServer raw;
    private HttpConnection conn;
    private Http2Scripted h2;

    @AfterEach
    void tearDown() throws Exception {
        if (conn != null) {
            conn.close();
        }
        if (raw != null) {
            raw.close();
            assertThat(raw.scriptErrors()).isEmpty();
        }
        if (h2 != null) {
            h2.close();
        }
    }

    // --- HTTP/1: case_sensitive_headers, skip_target_validation, max_header_list_size

    @ParameterizedTest
    @ValueSource(strings = {"/a\r\nx-injected: 1", "/a\nb", "/a\rb", "/a\u0000b", "/a b", "/a\tb", ""})
    void targetValidationOptOutStillRefusesWhatWouldBreakTheRequestLine(String target) throws Exception {
        raw = RawServer.start(c -> {
            c.readHead();
            c.write("HTTP/1.1 204 No Content\r\n\r\n");
        });
        conn = HttpConnection.connect(
                Scheme.HTTP,
                "127.0.0.1",
                raw.port(),
                ConnectOptions.builder().validateTarget(false).build());

        assertThatThrownBy(() -> conn.request("GET", target, HttpHeaders.EMPTY, RequestBody.none()))
                .isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                        .isEqualTo(Reason.INVALID_REQUEST_TARGET));

        // Nothing of the refused request reached the server: the first head it reads is the next request's.
        assertThat(conn.isOpen()).isTrue();
        Exchange.await(conn, conn.request("GET", "/raw|target", HttpHeaders.EMPTY, RequestBody.none()), WAIT);
        assertThat(raw.takeRequest(WAIT)).startsWith("GET /raw|target HTTP/1.1\r\n");
    }

    @Test
    void http1HeaderListLimitIsTheConfiguredOne() throws Exception {
        String header = "x-big: " + "a".repeat(900) + "\r\n"; // 909 bytes with its CRLF
        raw = RawServer.start(c -> {
            c.readHead();
            c.write("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n" + header + "\r\n");
            c.readHead();
            c.write("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n" + header + header + "\r\n");
        });
        ConnectOptions options = ConnectOptions.builder()
                .http1Limits(new Http1Limits(1024, 100, 8192, 4096, 32))
                .build();
        conn = HttpConnection.connect(Scheme.HTTP, "127.0.0.1", raw.port(), options);

        Exchange fits = Exchange.await(conn, conn.request("GET", "/", HttpHeaders.EMPTY, RequestBody.none()), WAIT);
        assertThat(fits.done).isTrue();
        assertThat(fits.headers.first("x-big")).hasSize(900);

        Exchange over = Exchange.await(conn, conn.request("GET", "/", HttpHeaders.EMPTY, RequestBody.none()), WAIT);
        assertThat(over.error).isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                .isEqualTo(Reason.MAX_HEADER_LIST_SIZE_EXCEEDED));
        assertThat(conn.isOpen()).isFalse();
    }

    @Test
    void http1HeaderListLimitAlsoBoundsTrailers() throws Exception {
        raw = RawServer.start(c -> {
            c.readHead();
            c.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n" + "x-sum: "
                    + "s".repeat(2000) + "\r\n\r\n");
        });
        ConnectOptions options = ConnectOptions.builder()
                .http1Limits(new Http1Limits(1024, 100, 8192, 4096, 32))
                .build();
        conn = HttpConnection.connect(Scheme.HTTP, "127.0.0.1", raw.port(), options);

        Exchange ex = Exchange.await(conn, conn.request("GET", "/", HttpHeaders.EMPTY, RequestBody.none()), WAIT);

        assertThat(ex.bodyText()).isEqualTo("ok");
        assertThat(ex.error).isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                .isEqualTo(Reason.MAX_HEADER_LIST_SIZE_EXCEEDED));
    }

    // --- HTTP/2: header names, client_settings, connection window, max_header_list_size

    @Test
    void http2LowercasesHeaderNamesEvenWhenCaseIsPreserved() throws Exception {
        h2 = Http2Scripted.start(
                ANSWER_ONE_REQUEST, H2C.toBuilder().preserveHeaderCase(true).build());

        h2.await(h2.conn.request("GET", "/", HttpHeaders.of("X-Trace-Id", "7"), RequestBody.none()));

        HttpHeaders sent = h2.seen(H2Peer.Headers.class).fields();
        assertThat(sent.first("x-trace-id")).isEqualTo("7");
        // RFC 9113 §8.2.1: uppercase field names make a request malformed.
        assertThat(sent.asList())
                .allSatisfy(f -> assertThat(f.name()).isEqualTo(f.name().toLowerCase()));
    }

    @Test
    void http2ClientSettingsAndConnectionWindowAreAdvertised() throws Exception {
        Http2Options http2 = Http2Options.builder()
                .clientSettings(Settings.builder()
                        .set(Settings.INITIAL_WINDOW_SIZE, 1_000_000)
                        .set(Settings.MAX_FRAME_SIZE, 65_536)
                        .set(Settings.MAX_HEADER_LIST_SIZE, 8_192)
                        .set(Settings.MAX_CONCURRENT_STREAMS, 10)
                        .build())
                .connectionWindowSize(32 * 1024 * 1024)
                .build();
        h2 = Http2Scripted.start(
                (c, seen) -> {
                    seen.add(c.readPreface());
                    seen.add(c.next());
                },
                http2);

        Settings sent = h2.seen(Frame.Settings.class).values();
        assertThat(sent.initialWindowSize()).isEqualTo(1_000_000);
        assertThat(sent.maxFrameSize()).isEqualTo(65_536);
        assertThat(sent.maxHeaderListSize()).isEqualTo(8_192);
        assertThat(sent.maxConcurrentStreams()).isEqualTo(10);
        assertThat(sent.enablePush()).isFalse();
        // RFC 9113 §6.9.2: the connection window starts at 65,535 whatever SETTINGS say; WINDOW_UPDATE raises it.
        assertThat(h2.seen(Frame.WindowUpdate.class)).isEqualTo(new Frame.WindowUpdate(0, 32 * 1024 * 1024 - 65_535));
    }

    @Test
    void http2MaxHeaderListSizeWeAdvertiseIsEnforcedOnResponses() throws Exception {
        Http2Options http2 = Http2Options.builder()
                .clientSettings(Settings.builder()
                        .set(Settings.MAX_HEADER_LIST_SIZE, 4_096)
                        .build())
                .build();
        h2 = Http2Scripted.start(
                (c, seen) -> {
                    seen.add(c.handshake(Settings.EMPTY));
                    int first = c.await(H2Peer.Headers.class).streamId();
                    // 5,000 bytes of value plus name and 32 bytes of overhead (RFC 9113 §6.5.2): over 4,096.
                    c.sendHeaders(first, true, ":status", "200", "x-big", "b".repeat(5_000));
                    seen.add(c.await(Frame.RstStream.class));
                    int second = c.await(H2Peer.Headers.class).streamId();
                    c.sendHeaders(second, true, ":status", "200", "x-fits", "f".repeat(3_000));
                },
                http2);

        assertThat(h2.seen(Frame.Settings.class).values().maxHeaderListSize()).isEqualTo(4_096);
        Exchange over = h2.await(h2.get("/big"));
        assertThat(over.error).isInstanceOfSatisfying(Http2StreamException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.MAX_HEADER_LIST_SIZE_EXCEEDED);
            assertThat(e.errorCode()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
        });
        assertThat(h2.seen(Frame.RstStream.class)).isEqualTo(new Frame.RstStream(1, ErrorCode.PROTOCOL_ERROR));
        // A stream error: the connection and its other streams go on.
        Exchange fits = h2.await(h2.get("/fits"));
        assertThat(fits.headers.first("x-fits")).hasSize(3_000);
    }

    /**
     * A server that honours an advertised 1 MiB MAX_HEADER_LIST_SIZE and sends a 600 KB header list (RFC 9113 §6.5.2
     * size ~600,037) gets its response through: the header-block flood cap follows the advertised size instead of
     * staying at 512 KiB and ending the connection with ENHANCE_YOUR_CALM.
     */
    @Test
    void http2HeaderListWithinAnAdvertisedSizeAbove512KiBGetsThrough() throws Exception {
        int valueLength = 600_000;
        Http2Options http2 = Http2Options.builder()
                .clientSettings(Settings.builder()
                        .set(Settings.MAX_HEADER_LIST_SIZE, 1024 * 1024)
                        .build())
                .build();

        Exchange ex = headerListInMinimumSizeFrames(http2, valueLength);

        assertThat(h2.seen(Frame.Settings.class).values().maxHeaderListSize()).isEqualTo(1024 * 1024);
        assertThat(ex.error)
                .as("a response within the advertised MAX_HEADER_LIST_SIZE")
                .isNull();
        assertThat(ex.headers.first("x-big")).hasSize(valueLength);
    }

    /**
     * A set maxContinuationFrames that build() accepts carries any header list within the advertised size even when
     * the server sends 16 KiB frames while we advertise 64 KiB ones (RFC 9113 §4.2): 63 CONTINUATIONs (64 x 16 KiB =
     * 1 MiB) for a 600 KB list in 37 frames.
     */
    @Test
    void http2AnAcceptedMaxContinuationFramesCarriesTheAdvertisedListSizeInMinimumSizeFrames() throws Exception {
        int valueLength = 600_000;
        Http2Options http2 = Http2Options.builder()
                .clientSettings(Settings.builder()
                        .set(Settings.MAX_HEADER_LIST_SIZE, 1024 * 1024)
                        .set(Settings.MAX_FRAME_SIZE, 64 * 1024)
                        .build())
                .maxContinuationFrames(63)
                .build();

        Exchange ex = headerListInMinimumSizeFrames(http2, valueLength);

        assertThat(ex.error)
                .as("a 600 KB header list (within the advertised 1 MiB) in 16 KiB frames")
                .isNull();
        assertThat(ex.headers.first("x-big")).hasSize(valueLength);
    }

    /**
     * A response whose header list is one field of {@code valueLength} bytes, sent as HEADERS and CONTINUATIONs of
     * the minimum frame size (16,384 bytes), which a server may send whatever MAX_FRAME_SIZE we advertise (§4.2).
     */
    private Exchange headerListInMinimumSizeFrames(Http2Options http2, int valueLength) throws Exception {
        h2 = Http2Scripted.start(
                (c, seen) -> {
                    Frame.Settings ours = c.handshake(Settings.EMPTY);
                    seen.add(ours);
                    int stream = c.await(H2Peer.Headers.class).streamId();
                    byte[] block = literalBlock("x-big", valueLength);
                    int chunk = Settings.MIN_MAX_FRAME_SIZE;
                    int n = (block.length + chunk - 1) / chunk;
                    Frame[] frames = new Frame[n];
                    for (int i = 0; i < n; i++) {
                        byte[] part = Arrays.copyOfRange(block, i * chunk, Math.min(block.length, (i + 1) * chunk));
                        boolean last = i == n - 1;
                        frames[i] = i == 0
                                ? new Frame.Headers(stream, true, last, null, part)
                                : new Frame.Continuation(stream, last, part);
                    }
                    c.flood(Arrays.asList(frames));
                },
                http2);
        return h2.await(h2.get("/big"));
    }

    @Test
    void http2HeaderBlockCapsFollowTheAdvertisedHeaderListSizeUnlessSet() {
        Http2Options defaults = Http2Options.defaults();
        assertThat(defaults.maxHeaderBlockSize()).isEqualTo(512 * 1024);
        assertThat(defaults.maxContinuationFrames()).isEqualTo(128);

        Http2Options large = Http2Options.builder()
                .clientSettings(Settings.builder()
                        .set(Settings.MAX_HEADER_LIST_SIZE, 4 * 1024 * 1024)
                        .build())
                .build();
        assertThat(large.maxHeaderBlockSize()).isEqualTo(8 * 1024 * 1024);
        // Enough CONTINUATIONs of the minimum frame size for the whole block.
        assertThat((large.maxContinuationFrames() + 1L) * Settings.MIN_MAX_FRAME_SIZE)
                .isGreaterThanOrEqualTo(large.maxHeaderBlockSize());

        Http2Options set = large.toBuilder()
                .maxHeaderBlockSize(5 * 1024 * 1024)
                .maxContinuationFrames(400)
                .build();
        assertThat(set.maxHeaderBlockSize()).isEqualTo(5 * 1024 * 1024);
        assertThat(set.maxContinuationFrames()).isEqualTo(400);
        // Derived values are not frozen by toBuilder: they follow a later change of the list size.
        Http2Options back = large.toBuilder()
                .clientSettings(Settings.builder()
                        .set(Settings.MAX_HEADER_LIST_SIZE, 1024 * 1024)
                        .build())
                .build();
        assertThat(back.maxHeaderBlockSize()).isEqualTo(2 * 1024 * 1024);
    }

    @Test
    void http2HeaderBlockCapsThatCannotCarryTheAdvertisedHeaderListSizeAreRefused() {
        Settings oneMiB = Settings.builder()
                .set(Settings.MAX_HEADER_LIST_SIZE, 1024 * 1024)
                .build();

        assertThatThrownBy(() -> Http2Options.builder()
                        .clientSettings(oneMiB)
                        .maxHeaderBlockSize(512 * 1024)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxHeaderBlockSize 524288 is below the advertised MAX_HEADER_LIST_SIZE 1048576");
        // 33 frames of 16 KiB carry 540,672 bytes: not a 1 MiB list.
        assertThatThrownBy(() -> Http2Options.builder()
                        .clientSettings(oneMiB)
                        .maxContinuationFrames(32)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxContinuationFrames 32 cannot carry the advertised MAX_HEADER_LIST_SIZE");
        // 16 frames of 64 KiB would carry 1 MiB, but a server may send 16 KiB frames whatever we advertise (§4.2).
        assertThatThrownBy(() -> Http2Options.builder()
                        .clientSettings(Settings.builder()
                                .set(Settings.MAX_HEADER_LIST_SIZE, 1024 * 1024)
                                .set(Settings.MAX_FRAME_SIZE, 64 * 1024)
                                .build())
                        .maxContinuationFrames(15)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxContinuationFrames 15 cannot carry the advertised MAX_HEADER_LIST_SIZE")
                .hasMessageContaining("frames of the minimum size 16384");
    }

    @Test
    void http2MaxFrameSizeWeAdvertiseLetsTheServerSendLargerFrames() throws Exception {
        Http2Options http2 = Http2Options.builder()
                .clientSettings(
                        Settings.builder().set(Settings.MAX_FRAME_SIZE, 65_536).build())
                .build();
        h2 = Http2Scripted.start(
                (c, seen) -> {
                    c.handshake(Settings.EMPTY);
                    int stream = c.await(H2Peer.Headers.class).streamId();
                    c.sendHeaders(stream, false, ":status", "200");
                    c.sendData(stream, new byte[40_000], true); // one frame, over the default 16,384
                },
                http2);

        Exchange ex = h2.await(h2.get("/"));

        assertThat(ex.error).isNull();
        assertThat(ex.body.size()).isEqualTo(40_000);
    }

    /**
     * RFC 9113 §6.9.2: an INITIAL_WINDOW_SIZE change that makes any flow-control window exceed 2^31-1 is a connection
     * error FLOW_CONTROL_ERROR for the server. After growReceiveWindow raised a stream window to 2^31-1, putSettings
     * refuses a larger INITIAL_WINDOW_SIZE before sending anything, and the connection and the stream go on.
     */
    @Test
    void putSettingsRaisingInitialWindowSizeOverAGrownStreamWindowIsRefusedBeforeSending() throws Exception {
        h2 = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            int stream = c.await(H2Peer.Headers.class).streamId();
            seen.add(c.await(Frame.WindowUpdate.class)); // the stream grown to 2^31-1
            c.respond(stream, 204, "");
            seen.add(c.readUntilClose());
        });
        try {
            h2.conn.recv(Duration.ofMillis(300)); // the server's SETTINGS and its ACK of ours (4 MiB windows)
        } catch (dev.finch.http.TransportException timeout) {
            // already read: nothing more came
        }
        assertThat(h2.conn.clientSettings().initialWindowSize()).isEqualTo(4 * 1024 * 1024);
        RequestRef ref = h2.get("/");
        h2.conn.growReceiveWindow(ref, Integer.MAX_VALUE - 4 * 1024 * 1024);
        assertThat(h2.seen(Frame.WindowUpdate.class).increment()).isEqualTo(Integer.MAX_VALUE - 4 * 1024 * 1024);

        assertThatThrownBy(() -> h2.conn.putSettings(Settings.builder()
                        .set(Settings.INITIAL_WINDOW_SIZE, 8 * 1024 * 1024)
                        .build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("INITIAL_WINDOW_SIZE 8388608 would grow the receive window of stream 1");

        Exchange ex = h2.await(ref);
        assertThat(ex.error).isNull();
        assertThat(ex.status()).isEqualTo(204);
        h2.conn.close();
        assertThat((List<?>) h2.seen(List.class)).noneMatch(f -> f instanceof Frame.Settings);
    }

    @Test
    void growReceiveWindowOverAnInitialWindowSizeWaitingForAcknowledgementIsRefused() throws Exception {
        h2 = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            c.await(H2Peer.Headers.class);
            c.readUntilClose();
        });
        try {
            h2.conn.recv(Duration.ofMillis(300));
        } catch (dev.finch.http.TransportException timeout) {
            // already read: nothing more came
        }
        RequestRef ref = h2.get("/");
        h2.conn.putSettings(Settings.builder()
                .set(Settings.INITIAL_WINDOW_SIZE, 8 * 1024 * 1024)
                .build());

        // Once acknowledged, the stream window grows by 4 MiB: growing it to 2^31-1 now would overflow then.
        assertThatThrownBy(() -> h2.conn.growReceiveWindow(ref, Integer.MAX_VALUE - 4 * 1024 * 1024))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("INITIAL_WINDOW_SIZE waiting for acknowledgement");
        h2.conn.growReceiveWindow(ref, Integer.MAX_VALUE - 8 * 1024 * 1024);
    }

    // --- HTTP/2: target validation

    /**
     * validateTarget defaults to true, and HTTP/2 applies the same RFC 3986 check as HTTP/1: a fragment (RFC 9113
     * §8.3.1: :path is absolute-path [ "?" query ]) and a bad %-escape are refused before anything is sent.
     */
    @ParameterizedTest
    @ValueSource(strings = {"/a#frag", "/a%zz", "/a|b", "http://example.com/a#frag"})
    void http2TargetValidationRefusesWhatHttp1Refuses(String target) throws Exception {
        h2 = Http2Scripted.start(ANSWER_ONE_REQUEST);
        assertThat(Http2Scripted.H2C.validateTarget()).isTrue();

        assertThatThrownBy(() -> h2.conn.request("GET", target, HttpHeaders.EMPTY, RequestBody.none()))
                .isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                        .isEqualTo(Reason.INVALID_REQUEST_TARGET));

        // Nothing went out: the next request is the first the server sees.
        h2.await(h2.get("/ok"));
        assertThat(h2.seen(H2Peer.Headers.class).fields().first(":path")).isEqualTo("/ok");
    }

    @Test
    void http2TargetValidationOptOutSendsOddTargetsButNeverAFragment() throws Exception {
        h2 = Http2Scripted.start(
                ANSWER_ONE_REQUEST,
                Http2Scripted.H2C.toBuilder().validateTarget(false).build());

        assertThatThrownBy(() -> h2.conn.request("GET", "/a#frag", HttpHeaders.EMPTY, RequestBody.none()))
                .isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                        .isEqualTo(Reason.INVALID_REQUEST_TARGET));
        assertThatThrownBy(() ->
                        h2.conn.request("GET", "http://example.com/a#frag", HttpHeaders.EMPTY, RequestBody.none()))
                .isInstanceOf(HttpProtocolException.class);

        h2.await(h2.conn.request("GET", "/a%zz|b", HttpHeaders.EMPTY, RequestBody.none()));
        assertThat(h2.seen(H2Peer.Headers.class).fields().first(":path")).isEqualTo("/a%zz|b");
    }

    // --- options refused when set

    @ParameterizedTest
    @ValueSource(strings = {"finch\r\nx-injected: 1", "finch\n", "fin\u0000ch", " finch", "finch\t", "", "caf\u20ac"})
    void userAgentThatIsNotAFieldValueIsRefusedWhenSet(String userAgent) {
        Throwable e = catchThrowable(() -> ConnectOptions.builder().userAgent(userAgent));

        assertThat(e).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("userAgent");
    }

    @Test
    void userAgentThatIsAFieldValueOrNullIsAccepted() {
        assertThat(ConnectOptions.builder()
                        .userAgent("my-app/2.0 (+https://example.com; caf\u00e9)")
                        .build()
                        .userAgent())
                .isEqualTo("my-app/2.0 (+https://example.com; caf\u00e9)");
        assertThat(ConnectOptions.builder().userAgent(null).build().userAgent()).isNull();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "a.example\r\nx-injected: 1",
                "a.example:8080",
                "a example",
                "",
                " ",
                "a..example",
                "-a.example",
                "a/b",
                "[::1"
            })
    void hostnameThatIsNeitherAHostNameNorAnIpLiteralIsRefusedWhenSet(String hostname) {
        Throwable e = catchThrowable(() -> ConnectOptions.builder().hostname(hostname));

        assertThat(e).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hostname");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "localhost",
                "api.internal.example.",
                "my_service.local",
                "127.0.0.1",
                "::1",
                "[::1]",
                "[2001:db8::1]"
            })
    void hostnameThatIsAHostNameOrAnIpLiteralIsAccepted(String hostname) {
        assertThat(ConnectOptions.builder().hostname(hostname).build().hostname())
                .isEqualTo(hostname);
    }

    // --- IPv6 literals: Host and :authority

    @Test
    void ipv6LiteralHostIsBracketedInTheHostHeader() throws Exception {
        assumeIpv6Loopback();
        try (JettyServer jetty = JettyServer.builder().ipv6Loopback().start()) {
            conn = HttpConnection.connect(Scheme.HTTP, "::1", jetty.port(), ConnectOptions.defaults());

            Exchange ex =
                    Exchange.await(conn, conn.request("GET", "/echo", HttpHeaders.EMPTY, RequestBody.none()), WAIT);

            assertThat(ex.headers.first("x-echo-host")).isEqualTo("[::1]:" + jetty.port());
        }
    }

    @Test
    void ipv6LiteralHostIsBracketedInTheHttp2Authority() throws Exception {
        assumeIpv6Loopback();
        // HTTP/2 carries the authority as :authority, which Jetty keeps in the request URI rather than a Host field.
        Request.Handler authority = (request, response, callback) -> {
            response.getHeaders().put("x-authority", request.getHttpURI().getAuthority());
            response.setStatus(204);
            callback.succeeded();
            return true;
        };
        try (JettyServer jetty =
                JettyServer.builder().ipv6Loopback().http2().handler(authority).start()) {
            conn = HttpConnection.connect(Scheme.HTTP, "[::1]", jetty.port(), H2C);

            Exchange ex = Exchange.await(conn, conn.request("GET", "/", HttpHeaders.EMPTY, RequestBody.none()), WAIT);

            assertThat(ex.headers.first("x-authority")).isEqualTo("[::1]:" + jetty.port());
        }
    }

    private static void assumeIpv6Loopback() {
        assumeTrue(JettyServer.hasIpv6Loopback(), "skipped: this host cannot listen on the IPv6 loopback address ::1");
    }

    /** :status 200 (static index 8), then one literal field without indexing and without Huffman coding. */
    private static byte[] literalBlock(String name, int valueLength) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x88);
        out.write(0x00);
        writeInt(out, name.length());
        out.writeBytes(name.getBytes(StandardCharsets.ISO_8859_1));
        writeInt(out, valueLength);
        byte[] value = new byte[valueLength];
        Arrays.fill(value, (byte) 'b');
        out.writeBytes(value);
        return out.toByteArray();
    }

    /** RFC 7541 §5.1 integer with a 7-bit prefix, H bit 0. */
    private static void writeInt(ByteArrayOutputStream out, int value) {
        if (value < 127) {
            out.write(value);
            return;
        }
        out.write(127);
        value -= 127;
        while (value >= 128) {
            out.write((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.write(value);
    }
}

package dev.finch.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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
import java.time.Duration;
import java.util.EnumSet;
import org.eclipse.jetty.server.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Mint's connection options, each observed on the wire: header-name case, the target-validation opt-out, the header
 * list limits of both protocols, the HTTP/2 settings and windows we advertise and then hold the server to, and IPv6
 * literal hosts.
 */
class ConnectionOptionsTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final ConnectOptions H2C =
            ConnectOptions.builder().protocols(EnumSet.of(Protocol.HTTP2)).build();

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
                (c, seen) -> {
                    c.handshake(Settings.EMPTY);
                    H2Peer.Headers request = c.await(H2Peer.Headers.class);
                    seen.add(request);
                    c.respond(request.streamId(), 204, "");
                },
                H2C.toBuilder().preserveHeaderCase(true).build());

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
}

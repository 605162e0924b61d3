package dev.finch.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.testing.RawServer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the connection writes, byte for byte, and how it reads interim and bodiless responses. */
class Http1RequestOnTheWireTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private RawServer server;
    private HttpConnection conn;
    private final BlockingQueue<String> bodies = new LinkedBlockingQueue<>();

    @AfterEach
    void tearDown() throws Exception {
        if (conn != null) {
            conn.close();
        }
        if (server != null) {
            server.close();
            assertThat(server.scriptErrors()).isEmpty();
        }
    }

    private void connect(RawServer.Script script) throws IOException {
        server = RawServer.start(script);
        conn = HttpConnection.connect(Scheme.HTTP, "127.0.0.1", server.port(), ConnectOptions.defaults());
    }

    private String head() throws InterruptedException {
        String head = server.takeRequest(WAIT);
        assertThat(head).as("request head").isNotNull();
        return head;
    }

    @Test
    void addsHostUserAgentAndContentLengthOnlyWhenAbsent() throws Exception {
        connect(c -> {
            String h = c.readHead();
            bodies.add(new String(c.readBytes(5), StandardCharsets.ISO_8859_1));
            c.write("HTTP/1.1 204 No Content\r\n\r\n");
            c.readHead();
            c.write("HTTP/1.1 204 No Content\r\n\r\n");
        });
        RequestRef ref =
                conn.request("PUT", "/x?y=1", HttpHeaders.of("X-Trace", "1"), RequestBody.of("hello".getBytes()));
        Exchange.await(conn, ref, WAIT);
        assertThat(head())
                .isEqualTo("PUT /x?y=1 HTTP/1.1\r\nhost: 127.0.0.1:" + server.port() + "\r\nx-trace: 1"
                        + "\r\nuser-agent: finch-java/0.1\r\ncontent-length: 5\r\n\r\n");
        assertThat(bodies.poll(5, TimeUnit.SECONDS)).isEqualTo("hello");

        ref = conn.request(
                "GET", "/", HttpHeaders.of("Host", "example.test", "User-Agent", "mine"), RequestBody.none());
        Exchange.await(conn, ref, WAIT);
        assertThat(head()).isEqualTo("GET / HTTP/1.1\r\nhost: example.test\r\nuser-agent: mine\r\n\r\n");
    }

    @Test
    void connectOptionsReachTheEncoder() throws Exception {
        server = RawServer.start(c -> {
            c.readHead();
            c.write("HTTP/1.1 204 No Content\r\n\r\n");
        });
        ConnectOptions options = ConnectOptions.builder()
                .preserveHeaderCase(true)
                .validateTarget(false)
                .userAgent(null)
                .build();
        conn = HttpConnection.connect(Scheme.HTTP, "127.0.0.1", server.port(), options);
        RequestRef ref = conn.request("GET", "/a|b", HttpHeaders.of("X-Trace-Id", "7"), RequestBody.none());
        Exchange.await(conn, ref, WAIT);
        assertThat(head())
                .isEqualTo("GET /a|b HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\nX-Trace-Id: 7\r\n\r\n");
    }

    @Test
    void refusesAnInvalidTargetByDefault() throws Exception {
        connect(c -> c.in.readAllBytes());
        assertThatThrownBy(() -> conn.request("GET", "/a|b", HttpHeaders.EMPTY, RequestBody.none()))
                .isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                        .isEqualTo(HttpProtocolException.Reason.INVALID_REQUEST_TARGET));
        assertThat(conn.isOpen()).isTrue();
    }

    @Test
    void postWithoutBodySendsContentLengthZero() throws Exception {
        connect(c -> {
            c.readHead();
            c.write("HTTP/1.1 204 No Content\r\n\r\n");
        });
        Exchange.await(conn, conn.request("POST", "/", HttpHeaders.EMPTY, RequestBody.none()), WAIT);
        assertThat(head()).contains("\r\ncontent-length: 0\r\n");
    }

    @Test
    void streamedBodyWithoutFramingIsChunkedAndEndsWithTrailers() throws Exception {
        connect(c -> {
            c.readHead();
            StringBuilder raw = new StringBuilder();
            while (!raw.toString().endsWith("\r\n\r\n")) {
                raw.append((char) c.in.read());
            }
            bodies.add(raw.toString());
            c.write("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
        });
        RequestRef ref = conn.request("POST", "/upload", HttpHeaders.EMPTY, RequestBody.streaming());
        conn.streamRequestBody(ref, ByteBuffer.wrap("hello".getBytes()));
        conn.streamRequestBody(ref, ByteBuffer.wrap("0123456789abcdef!".getBytes()));
        conn.endRequestBody(ref, HttpHeaders.of("x-checksum", "abc"));
        assertThat(Exchange.await(conn, ref, WAIT).done).isTrue();
        assertThat(head()).contains("\r\ntransfer-encoding: chunked\r\n").doesNotContain("content-length");
        assertThat(bodies.poll(5, TimeUnit.SECONDS))
                .isEqualTo("5\r\nhello\r\n11\r\n0123456789abcdef!\r\n0\r\nx-checksum: abc\r\n\r\n");
    }

    @Test
    void streamedBodyWithContentLengthIsSentAsIsAndMayNotOverrunIt() throws Exception {
        connect(c -> {
            c.readHead();
            bodies.add(new String(c.readBytes(10), StandardCharsets.ISO_8859_1));
            c.write("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
        });
        RequestRef ref =
                conn.request("POST", "/upload", HttpHeaders.of("content-length", "10"), RequestBody.streaming());
        conn.streamRequestBody(ref, ByteBuffer.wrap("01234".getBytes()));
        assertThatThrownBy(() -> conn.streamRequestBody(ref, ByteBuffer.wrap("too long!".getBytes())))
                .isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                        .isEqualTo(HttpProtocolException.Reason.INVALID_CONTENT_LENGTH));
        assertThatThrownBy(() -> conn.endRequestBody(ref, HttpHeaders.of("x-a", "b")))
                .isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                        .isEqualTo(HttpProtocolException.Reason.UNALLOWED_TRAILER));
        conn.streamRequestBody(ref, ByteBuffer.wrap("56789".getBytes()));
        conn.endRequestBody(ref, HttpHeaders.EMPTY);
        assertThat(Exchange.await(conn, ref, WAIT).done).isTrue();
        assertThat(bodies.poll(5, TimeUnit.SECONDS)).isEqualTo("0123456789");
        assertThat(conn.isOpen()).isTrue();
    }

    @Test
    void streamedBodyEndingShortOfItsContentLengthClosesTheConnection() throws Exception {
        connect(c -> c.readHead());
        RequestRef ref =
                conn.request("POST", "/upload", HttpHeaders.of("content-length", "10"), RequestBody.streaming());
        conn.streamRequestBody(ref, ByteBuffer.wrap("0123".getBytes()));
        assertThatThrownBy(() -> conn.endRequestBody(ref, HttpHeaders.EMPTY))
                .isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                        .isEqualTo(HttpProtocolException.Reason.INVALID_CONTENT_LENGTH));
        assertThat(conn.isOpen()).isFalse();
        assertThat(server.awaitClientClose(WAIT)).isTrue();
    }

    @Test
    void noRequestMayStartWhileABodyIsStreaming() throws Exception {
        connect(c -> c.readHead());
        RequestRef ref = conn.request("POST", "/", HttpHeaders.EMPTY, RequestBody.streaming());
        assertThatThrownBy(() -> conn.request("GET", "/", HttpHeaders.EMPTY, RequestBody.none()))
                .isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                        .isEqualTo(HttpProtocolException.Reason.REQUEST_BODY_IS_STREAMING));
        assertThatThrownBy(() -> conn.streamRequestBody(new RequestRef(), ByteBuffer.allocate(1)))
                .isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                        .isEqualTo(HttpProtocolException.Reason.UNKNOWN_REQUEST));
        conn.endRequestBody(ref, HttpHeaders.EMPTY);
    }

    @Test
    void interimResponsesComeBeforeTheFinalOne() throws Exception {
        connect(c -> {
            c.readHead();
            c.write("HTTP/1.1 100 Continue\r\n\r\n");
            c.write("HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\n");
            c.write("HTTP/1.1 103 Early Hints\r\nlink: </app.js>; rel=preload\r\n\r\n");
            c.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
        });
        RequestRef ref = conn.request("GET", "/", HttpHeaders.EMPTY, RequestBody.none());
        Exchange ex = Exchange.await(conn, ref, WAIT);
        assertThat(ex.statuses).containsExactly(100, 103, 103, 200);
        assertThat(ex.parts.get(5))
                .isEqualTo(new ResponsePart.Headers(ref, HttpHeaders.of("link", "</app.js>; rel=preload")));
        assertThat(ex.bodyText()).isEqualTo("ok");
    }

    @Test
    void headResponseHasNoBodyEvenWithContentLength() throws Exception {
        connect(c -> {
            c.readHead();
            c.readHead();
            c.write("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabc");
        });
        RequestRef head = conn.request("HEAD", "/", HttpHeaders.EMPTY, RequestBody.none());
        RequestRef get = conn.request("GET", "/", HttpHeaders.EMPTY, RequestBody.none());
        var both = Exchange.awaitAll(conn, java.util.List.of(head, get), WAIT);
        assertThat(both.get(0).done).isTrue();
        assertThat(both.get(0).body.size()).isZero();
        assertThat(both.get(1).bodyText()).isEqualTo("abc");
    }

    @Test
    void trailersArriveAfterTheBody() throws Exception {
        connect(c -> {
            c.readHead();
            c.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n0\r\nx-sum: 42\r\n\r\n");
        });
        RequestRef ref = conn.request("GET", "/", HttpHeaders.EMPTY, RequestBody.none());
        Exchange ex = Exchange.await(conn, ref, WAIT);
        assertThat(ex.bodyText()).isEqualTo("abc");
        assertThat(ex.trailers).isEqualTo(HttpHeaders.of("x-sum", "42"));
        assertThat(ex.parts.get(ex.parts.size() - 2)).isInstanceOf(ResponsePart.Trailers.class);
    }
}

package dev.finch.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.codec.http1.Http1Limits;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.TransportException;
import dev.finch.testing.RawServer;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Malformed and hostile servers, scripted byte by byte. Each case must end in its typed error, close the connection
 * and release the socket (the server sees our side close), and never hang.
 */
class Http1HostileServerTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private RawServer server;
    private HttpConnection conn;

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

    private Exchange get(RawServer.Script script) throws IOException {
        return get(script, ConnectOptions.defaults());
    }

    private Exchange get(RawServer.Script script, ConnectOptions options) throws IOException {
        server = RawServer.start(script);
        conn = HttpConnection.connect(Scheme.HTTP, "127.0.0.1", server.port(), options);
        RequestRef ref = conn.request("GET", "/", HttpHeaders.EMPTY, RequestBody.none());
        return Exchange.await(conn, ref, WAIT);
    }

    private void assertFailedWith(Exchange ex, HttpProtocolException.Reason reason) throws InterruptedException {
        assertThat(ex.error).isInstanceOf(HttpProtocolException.class);
        assertThat(((HttpProtocolException) ex.error).reason()).isEqualTo(reason);
        assertReleased();
    }

    private void assertReleased() throws InterruptedException {
        assertThat(conn.isOpen()).isFalse();
        assertThat(server.awaitClientClose(WAIT))
                .as("client released its socket")
                .isTrue();
    }

    @Test
    void truncatedContentLengthBodyIsBodyTruncated() throws Exception {
        Exchange ex = get(c -> {
            c.readHead();
            c.write("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789");
            c.socket.shutdownOutput();
        });
        assertThat(ex.bodyText()).isEqualTo("0123456789");
        assertFailedWith(ex, HttpProtocolException.Reason.BODY_TRUNCATED);
    }

    @Test
    void closeMidChunkedBodyIsBodyTruncated() throws Exception {
        Exchange ex = get(c -> {
            c.readHead();
            c.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n10\r\nabc");
            c.socket.shutdownOutput();
        });
        assertThat(ex.bodyText()).isEqualTo("helloabc");
        assertFailedWith(ex, HttpProtocolException.Reason.BODY_TRUNCATED);
    }

    @Test
    void bytesBeyondContentLengthAreUnexpectedData() throws Exception {
        Exchange ex = get(c -> {
            c.readHead();
            c.write("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhelloEXTRA");
        });
        assertThat(ex.done).isTrue();
        assertThat(ex.bodyText()).isEqualTo("hello");
        assertThatThrownBy(() -> conn.recv(WAIT))
                .isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                        .isEqualTo(HttpProtocolException.Reason.UNEXPECTED_DATA));
        assertReleased();
    }

    @Test
    void transferEncodingWithContentLengthIsRefused() throws Exception {
        Exchange ex = get(c -> {
            c.readHead();
            c.write(
                    "HTTP/1.1 200 OK\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        });
        assertFailedWith(ex, HttpProtocolException.Reason.TRANSFER_ENCODING_AND_CONTENT_LENGTH);
    }

    @Test
    void differingContentLengthsAreRefused() throws Exception {
        Exchange ex = get(c -> {
            c.readHead();
            c.write("HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello!");
        });
        assertFailedWith(ex, HttpProtocolException.Reason.MORE_THAN_ONE_CONTENT_LENGTH);
    }

    @Test
    void invalidChunkSizeIsRefused() throws Exception {
        Exchange ex = get(c -> {
            c.readHead();
            c.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
        });
        assertFailedWith(ex, HttpProtocolException.Reason.INVALID_CHUNK_SIZE);
    }

    @Test
    void headerSectionOverTheLimitIsRefused() throws Exception {
        ConnectOptions small = ConnectOptions.builder()
                .http1Limits(new Http1Limits(1024, 100, 8192, 4096, 32))
                .build();
        Exchange ex = get(
                c -> {
                    c.readHead();
                    c.write("HTTP/1.1 200 OK\r\nx-big: " + "a".repeat(2048) + "\r\ncontent-length: 0\r\n\r\n");
                },
                small);
        assertFailedWith(ex, HttpProtocolException.Reason.MAX_HEADER_LIST_SIZE_EXCEEDED);
    }

    @Test
    void endlessHeaderLineIsCutOffAtTheLimit() throws Exception {
        Exchange ex = get(c -> {
            c.readHead();
            c.write("HTTP/1.1 200 OK\r\nx-endless: ");
            byte[] block = "a".repeat(16 * 1024).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            try {
                for (int i = 0; i < 1024; i++) { // at most 16 MiB: far past the 256 KiB default
                    c.write(block);
                }
            } catch (IOException expected) {
                // the client gave up and closed: that is the point
            }
        });
        assertFailedWith(ex, HttpProtocolException.Reason.MAX_HEADER_LIST_SIZE_EXCEEDED);
    }

    @Test
    void bareLfLineEndingsAreRefused() throws Exception {
        Exchange ex = get(c -> {
            c.readHead();
            c.write("HTTP/1.1 200 OK\ncontent-length: 0\n\n");
        });
        assertThat(ex.error).isInstanceOf(HttpProtocolException.class);
        assertThat(((HttpProtocolException) ex.error).reason())
                .isIn(HttpProtocolException.Reason.INVALID_STATUS_LINE, HttpProtocolException.Reason.INVALID_HEADER);
        assertReleased();
    }

    @Test
    void invalidStatusLineIsRefused() throws Exception {
        Exchange ex = get(c -> {
            c.readHead();
            c.write("HTTQ/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
        });
        assertFailedWith(ex, HttpProtocolException.Reason.INVALID_STATUS_LINE);
    }

    @Test
    void serverClosingBeforeAnsweringIsClosed() throws Exception {
        Exchange ex = get(c -> {
            c.readHead();
            c.socket.shutdownOutput();
        });
        assertThat(ex.error).isInstanceOf(IOException.class);
        assertThat(ex.error).isInstanceOfAny(HttpProtocolException.class, TransportException.class);
        assertReleased();
    }

    @Test
    void serverThatNeverAnswersTimesOutAndLeavesTheConnectionToItsOwner() throws Exception {
        server = RawServer.start(c -> c.readHead());
        conn = HttpConnection.connect(Scheme.HTTP, "127.0.0.1", server.port(), ConnectOptions.defaults());
        conn.request("GET", "/", HttpHeaders.EMPTY, RequestBody.none());
        assertThatThrownBy(() -> conn.recv(Duration.ofMillis(200)))
                .isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.reason())
                        .isEqualTo(TransportException.Reason.TIMEOUT));
        assertThat(conn.isOpen()).isTrue();
        assertThat(conn.openRequestCount()).isEqualTo(1);
        conn.close();
        assertReleased();
    }

    @Test
    void tlsServerThatNeverFinishesTheHandshakeTimesOut() throws Exception {
        server = RawServer.start(c -> c.in.read(new byte[4096]));
        ConnectOptions options =
                ConnectOptions.builder().connectTimeout(Duration.ofMillis(300)).build();
        long start = System.nanoTime();
        assertThatThrownBy(() -> HttpConnection.connect(Scheme.HTTPS, "127.0.0.1", server.port(), options))
                .isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.reason())
                        .isEqualTo(TransportException.Reason.TIMEOUT));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(server.awaitClientClose(WAIT)).isTrue();
    }

    @Test
    void pipelinedRequestsBehindAMalformedResponseFailAsClosed() throws Exception {
        server = RawServer.start(c -> {
            c.readHead();
            c.readHead();
            c.write("HTTP/1.1 200 OK\r\ncontent-length: x\r\n\r\n");
        });
        conn = HttpConnection.connect(Scheme.HTTP, "127.0.0.1", server.port(), ConnectOptions.defaults());
        RequestRef first = conn.request("GET", "/1", HttpHeaders.EMPTY, RequestBody.none());
        RequestRef second = conn.request("GET", "/2", HttpHeaders.EMPTY, RequestBody.none());
        List<Exchange> both = Exchange.awaitAll(conn, List.of(first, second), WAIT);
        assertThat(((HttpProtocolException) both.get(0).error).reason())
                .isEqualTo(HttpProtocolException.Reason.INVALID_CONTENT_LENGTH);
        assertThat(both.get(1).error).isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.reason())
                .isEqualTo(TransportException.Reason.CLOSED));
        assertThat(conn.openRequestCount()).isZero();
        assertReleased();
    }

    @Test
    void connectionCloseResponseEndsTheConnectionCleanly() throws Exception {
        Exchange ex = get(c -> {
            c.readHead();
            c.write("HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok");
        });
        assertThat(ex.done).isTrue();
        assertThat(ex.bodyText()).isEqualTo("ok");
        assertReleased();
    }

    @Test
    void closeDelimitedBodyEndsWithDone() throws Exception {
        Exchange ex = get(c -> {
            c.readHead();
            c.write("HTTP/1.1 200 OK\r\n\r\nuntil the end");
            c.socket.shutdownOutput();
        });
        assertThat(ex.done).isTrue();
        assertThat(ex.bodyText()).isEqualTo("until the end");
        assertReleased();
    }

    @Test
    void http10ResponseWithoutKeepAliveClosesTheConnection() throws Exception {
        Exchange ex = get(c -> {
            c.readHead();
            c.write("HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok");
        });
        assertThat(ex.done).isTrue();
        assertReleased();
    }

    @Test
    void requestWithCrLfInAHeaderValueIsRefusedBeforeAnythingIsSent() throws Exception {
        server = RawServer.start(c -> {
            try {
                c.readHead();
            } catch (IOException closedWithoutSendingARequest) {
                // Expected: the client closes at teardown, having sent nothing (a head would be in takeRequest).
            }
        });
        conn = HttpConnection.connect(Scheme.HTTP, "127.0.0.1", server.port(), ConnectOptions.defaults());
        assertThatThrownBy(() ->
                        conn.request("GET", "/", HttpHeaders.of("x-evil", "a\r\nx-injected: 1"), RequestBody.none()))
                .isInstanceOfSatisfying(HttpProtocolException.class, e -> {
                    assertThat(e.reason()).isEqualTo(HttpProtocolException.Reason.INVALID_HEADER_VALUE);
                    assertThat(e.getMessage()).contains("x-evil");
                });
        assertThat(conn.isOpen()).isTrue();
        assertThat(server.takeRequest(Duration.ofMillis(200))).isNull();
    }
}

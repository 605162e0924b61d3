package dev.finch.conn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.codec.http2.ErrorCode;
import dev.finch.codec.http2.Frame;
import dev.finch.codec.http2.Settings;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.TransportException;
import dev.finch.testing.H2Peer;
import dev.finch.testing.RawServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code cancelRequest} and {@code requestBodyWindow} on both protocols, side by side: HTTP/2 resets one stream and
 * carries on; HTTP/1.1 cannot stop one exchange, so it closes the connection and ends the requests pipelined with it.
 */
class Http2CancelRequestTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void http2CancelResetsOneStreamAndKeepsTheOthers() throws Exception {
        try (Http2Scripted s = Http2Scripted.start((c, seen) -> {
            c.handshake(Settings.EMPTY);
            c.await(H2Peer.Headers.class);
            c.await(H2Peer.Headers.class);
            seen.add(c.await(Frame.RstStream.class));
            c.respond(3, 200, "kept");
        })) {
            RequestRef cancelled = s.get("/a");
            RequestRef kept = s.get("/b");
            List<ResponsePart> parts = s.conn.cancelRequest(cancelled);
            assertThat(parts).singleElement().isInstanceOfSatisfying(ResponsePart.Error.class, e -> assertThat(
                            ((HttpProtocolException) e.error()).reason())
                    .isEqualTo(HttpProtocolException.Reason.CANCELLED));
            assertThat(s.seen(Frame.RstStream.class)).isEqualTo(new Frame.RstStream(1, ErrorCode.CANCEL));
            assertThat(s.await(kept).bodyText()).isEqualTo("kept");
            assertThat(s.conn.isOpen()).isTrue();
        }
    }

    @Test
    void http1CancelOfARequestInFlightClosesTheConnectionAndEndsThePipelinedOnes() throws Exception {
        try (RawServer server = RawServer.start(c -> {
                    c.readHead();
                    c.readHead();
                });
                HttpConnection conn =
                        HttpConnection.connect(Scheme.HTTP, "127.0.0.1", server.port(), ConnectOptions.defaults())) {
            RequestRef first = conn.request("GET", "/1", HttpHeaders.EMPTY, RequestBody.none());
            RequestRef second = conn.request("GET", "/2", HttpHeaders.EMPTY, RequestBody.none());
            List<ResponsePart> parts = conn.cancelRequest(first);
            assertThat(parts).extracting(ResponsePart::ref).containsExactly(first, second);
            assertThat(((ResponsePart.Error) parts.get(0)).error())
                    .isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                            .isEqualTo(HttpProtocolException.Reason.CANCELLED));
            assertThat(((ResponsePart.Error) parts.get(1)).error())
                    .isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.reason())
                            .isEqualTo(TransportException.Reason.CLOSED));
            assertThat(conn.isOpen()).isFalse();
            assertThat(conn.openRequestCount()).isZero();
            assertThat(server.awaitClientClose(WAIT)).as("socket released").isTrue();
        }
    }

    @Test
    void http1CancelOfARequestThatEndedDoesNothing() throws Exception {
        try (RawServer server = RawServer.start(c -> {
                    c.readHead();
                    c.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
                });
                HttpConnection conn =
                        HttpConnection.connect(Scheme.HTTP, "127.0.0.1", server.port(), ConnectOptions.defaults())) {
            RequestRef ref = conn.request("GET", "/", HttpHeaders.EMPTY, RequestBody.none());
            assertThat(Exchange.await(conn, ref, WAIT).done).isTrue();
            assertThat(conn.cancelRequest(ref)).isEmpty();
            assertThat(conn.isOpen()).isTrue();
        }
    }

    @Test
    void http1RequestBodyWindowIsUnboundedOnlyWhileTheBodyStreams() throws Exception {
        try (RawServer server = RawServer.start(c -> c.readHead());
                HttpConnection conn =
                        HttpConnection.connect(Scheme.HTTP, "127.0.0.1", server.port(), ConnectOptions.defaults())) {
            RequestRef ref = conn.request("POST", "/", HttpHeaders.EMPTY, RequestBody.streaming());
            assertThat(conn.requestBodyWindow(ref)).isEqualTo(Long.MAX_VALUE);
            conn.endRequestBody(ref, HttpHeaders.EMPTY);
            assertThat(conn.requestBodyWindow(ref)).isZero();
        }
    }
}

package dev.finch.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.Body;
import dev.finch.FinchClient;
import dev.finch.Request;
import dev.finch.client.Recorder;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.TransportException;
import dev.finch.telemetry.FinchEvent;
import dev.finch.testing.RawServer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Keep-alive connections the server closed while they sat idle (finch#62, #272): noticed before reuse, or retried
 * once on a fresh connection when that is safe.
 */
class StaleConnectionTest {
    private static final String OK = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";

    private final Recorder events = new Recorder();
    private final FinchClient client = FinchClient.builder().listener(events).build();
    private RawServer server;

    @AfterEach
    void stop() throws Exception {
        client.close();
        if (server != null) {
            server.close();
        }
    }

    private String url() {
        return "http://127.0.0.1:" + server.port() + "/";
    }

    @Test
    void idleConnectionClosedByTheServerIsDiscardedBeforeReuse() throws Exception {
        CountDownLatch closedByServer = new CountDownLatch(1);
        server = RawServer.start(conn -> {
            conn.readHead();
            conn.write(OK);
            if (closedByServer.getCount() > 0) {
                conn.socket.close(); // the server's keep-alive timeout
                closedByServer.countDown();
            }
        });
        assertThat(client.request(Request.get(url())).bodyText()).isEqualTo("ok");
        assertThat(closedByServer.await(10, TimeUnit.SECONDS)).isTrue();

        assertThat(client.request(Request.post(url(), Body.of("not idempotent")))
                        .bodyText())
                .isEqualTo("ok");

        // The connection saw the close before writing: nothing was sent, so even a POST goes to a fresh connection.
        assertThat(events.names()
                        .subList(
                                events.names().lastIndexOf("RequestStart"),
                                events.names().size()))
                .containsExactly(
                        "RequestStart",
                        "QueueStart",
                        "QueueStop",
                        "ReusedConnection",
                        "SendStart",
                        "SendStop",
                        "StaleConnectionDiscarded",
                        "RequestRetry",
                        "QueueStart",
                        "QueueStop",
                        "ConnectStart",
                        "ConnectStop",
                        "SendStart",
                        "SendStop",
                        "RecvStart",
                        "RecvStop",
                        "RequestStop");
    }

    @Test
    void idleConnectionWithUnsolicitedBytesIsDiscardedBeforeReuse() throws Exception {
        CountDownLatch timedOut = new CountDownLatch(1);
        server = RawServer.start(conn -> {
            conn.readHead();
            conn.write(OK);
            if (timedOut.getCount() > 0) {
                conn.write("HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
                timedOut.countDown();
            }
        });
        client.request(Request.get(url()));
        assertThat(timedOut.await(10, TimeUnit.SECONDS)).isTrue();

        assertThat(client.request(Request.get(url())).status()).isEqualTo(200);

        // Noticed before the next request was written (then discarded and retried), or already while reading the
        // first response if the bytes came with it (then the connection was never reused).
        int stale = events.of(FinchEvent.StaleConnectionDiscarded.class).size();
        assertThat(stale).isLessThanOrEqualTo(1);
        assertThat(events.of(FinchEvent.RequestRetry.class)).hasSize(stale);
        assertThat(events.of(FinchEvent.ConnectStart.class)).hasSize(2);
    }

    @Test
    void idempotentRequestCutOffOnAReusedConnectionIsRetriedOnceOnAFreshOne() throws Exception {
        server = RawServer.start(conn -> {
            conn.readHead();
            conn.write(OK);
            conn.readHead();
            conn.socket.close(); // closes just as the second request arrives: no byte of an answer
        });
        client.request(Request.get(url()));

        assertThat(client.request(Request.get(url())).bodyText()).isEqualTo("ok");

        FinchEvent.RequestRetry retry = events.of(FinchEvent.RequestRetry.class).get(0);
        assertThat(retry.cause()).hasMessageContaining("closed");
        assertThat(events.of(FinchEvent.RequestRetry.class)).hasSize(1);
        assertThat(events.of(FinchEvent.ConnectStart.class)).hasSize(2);
    }

    @Test
    void nonIdempotentRequestCutOffAfterItWasSentIsNotRetried() throws Exception {
        server = RawServer.start(conn -> {
            conn.readHead();
            conn.write(OK);
            conn.readHead();
            conn.socket.close(); // the server may have acted on the POST: not safe to send again
        });
        client.request(Request.get(url()));

        assertThatThrownBy(() -> client.request(Request.post(url(), Body.of("charge the card"))))
                .isInstanceOfAny(TransportException.class, HttpProtocolException.class)
                .hasMessageContaining("closed");

        assertThat(events.of(FinchEvent.RequestRetry.class)).isEmpty();
    }

    @Test
    void failureOnAFreshConnectionIsNotRetried() throws Exception {
        server = RawServer.start(conn -> {
            conn.readHead();
            conn.socket.close();
        });

        assertThatThrownBy(() -> client.request(Request.get(url())))
                .isInstanceOfAny(TransportException.class, HttpProtocolException.class);

        assertThat(events.of(FinchEvent.RequestRetry.class)).isEmpty();
        assertThat(events.of(FinchEvent.ConnectStart.class)).hasSize(1);
    }

    @Test
    void retryHappensAtMostOnce() throws Exception {
        server = RawServer.start(conn -> {
            conn.readHead();
            conn.write(OK);
            conn.readHead();
            conn.socket.close();
        });
        client.request(Request.get(url()));
        // The retry's fresh connection answers; a second failure would need a second reused connection.
        client.request(Request.get(url()));
        events.clear();

        assertThat(client.request(Request.get(url())).bodyText()).isEqualTo("ok");

        assertThat(events.of(FinchEvent.RequestRetry.class)).hasSize(1);
    }
}

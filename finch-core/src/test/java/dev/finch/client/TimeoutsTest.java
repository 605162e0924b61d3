package dev.finch.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import dev.finch.RequestOptions;
import dev.finch.StreamPart;
import dev.finch.http.TransportException;
import dev.finch.pool.FinchException;
import dev.finch.pool.Http1PoolMetrics;
import dev.finch.pool.PoolConfig;
import dev.finch.testing.RawServer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Receive timeout (per read) and request timeout (the whole request, its connect included) on HTTP/1. */
class TimeoutsTest {
    private final FinchClient client = FinchClient.builder()
            .defaultPool(PoolConfig.builder().startPoolMetrics(true).build())
            .build();
    private RawServer server;
    private final CountDownLatch done = new CountDownLatch(1);

    @AfterEach
    void stop() throws Exception {
        done.countDown();
        client.close();
        if (server != null) {
            server.close();
        }
    }

    private String url() {
        return "http://127.0.0.1:" + server.port() + "/";
    }

    /** A server that sends the head and then a body chunk every {@code everyMillis}, never ending. */
    private void tricklingServer(long everyMillis) throws Exception {
        server = RawServer.start(conn -> {
            conn.readHead();
            conn.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
            while (!done.await(everyMillis, TimeUnit.MILLISECONDS)) {
                conn.write("1\r\nx\r\n");
            }
        });
    }

    @Test
    void receiveTimeoutBoundsEachRead() throws Exception {
        server = RawServer.start(conn -> {
            conn.readHead();
            done.await(30, TimeUnit.SECONDS); // never answers
        });
        RequestOptions options =
                RequestOptions.builder().receiveTimeout(Duration.ofMillis(200)).build();

        long start = System.nanoTime();
        assertThatThrownBy(() -> client.request(Request.get(url()), options))
                .isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.reason())
                        .isEqualTo(TransportException.Reason.TIMEOUT));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(idle()).isZero(); // a connection cut mid-response is not reused
    }

    @Test
    void requestTimeoutEndsAResponseThatKeepsTrickling() throws Exception {
        tricklingServer(20); // each read succeeds well within the receive timeout
        RequestOptions options = RequestOptions.builder()
                .receiveTimeout(Duration.ofSeconds(5))
                .requestTimeout(Duration.ofMillis(300))
                .build();

        long start = System.nanoTime();
        assertThatThrownBy(() -> client.stream(Request.get(url()), 0, (part, n) -> n + 1, options))
                .isInstanceOfSatisfying(FinchException.class, e -> assertThat(e.reason())
                        .isEqualTo(FinchException.Reason.REQUEST_TIMEOUT));

        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .isGreaterThanOrEqualTo(Duration.ofMillis(300))
                .isLessThan(Duration.ofSeconds(3));
        assertThat(idle()).isZero();
        assertThat(inUse()).isZero();
    }

    @Test
    void requestTimeoutShortensTheReceiveTimeout() throws Exception {
        server = RawServer.start(conn -> {
            conn.readHead();
            done.await(30, TimeUnit.SECONDS);
        });
        RequestOptions options = RequestOptions.builder()
                .receiveTimeout(Duration.ofSeconds(10))
                .requestTimeout(Duration.ofMillis(200))
                .build();

        long start = System.nanoTime();
        assertThatThrownBy(() -> client.request(Request.get(url()), options))
                .isInstanceOfSatisfying(FinchException.class, e -> {
                    assertThat(e.reason()).isEqualTo(FinchException.Reason.REQUEST_TIMEOUT);
                    assertThat(e).hasCauseInstanceOf(TransportException.class);
                });

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }

    /**
     * A request's deadline bounds its own connect only (finch#26): it is passed to that connect and never kept in the
     * pool's connect options, so a later connect of the pool, long after that deadline, gets the whole connect
     * timeout. The server closes every connection, so each request connects anew.
     */
    @Test
    void aRequestTimeoutBoundsOnlyItsOwnConnectAndLaterConnectsOfThePoolGetTheirWholeConnectTimeout() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        server = RawServer.start(conn -> {
            connections.incrementAndGet();
            conn.readHead();
            conn.write("HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok");
        });
        RequestOptions shortTimeout =
                RequestOptions.builder().requestTimeout(Duration.ofMillis(200)).build();

        assertThat(client.request(Request.get(url()), shortTimeout).status()).isEqualTo(200);
        Thread.sleep(400); // the first request's deadline is long past

        assertThat(client.request(Request.get(url())).status()).isEqualTo(200);
        assertThat(client.request(Request.get(url()), shortTimeout).status()).isEqualTo(200);
        assertThat(connections).hasValue(3);
    }

    @Test
    void streamWhileCanStopATricklingResponseBeforeAnyTimeout() throws Exception {
        tricklingServer(5);

        int pieces = client.streamWhile(
                Request.get(url()),
                0,
                (part, n) -> part instanceof StreamPart.Data && n >= 9
                        ? dev.finch.Step.halt(n + 1)
                        : dev.finch.Step.cont(part instanceof StreamPart.Data ? n + 1 : n));

        assertThat(pieces).isEqualTo(10);
    }

    private int idle() {
        return metrics().idleConnections();
    }

    private int inUse() {
        return metrics().inUseConnections();
    }

    private Http1PoolMetrics metrics() {
        return client.poolStatus(PoolKey.of(url()))
                .map(l -> (Http1PoolMetrics) l.get(0))
                .orElseThrow();
    }
}

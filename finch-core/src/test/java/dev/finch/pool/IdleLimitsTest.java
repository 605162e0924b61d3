package dev.finch.pool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import dev.finch.Response;
import dev.finch.client.Await;
import dev.finch.client.Recorder;
import dev.finch.telemetry.FinchEvent;
import dev.finch.testing.JettyServer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * connMaxIdleTime and poolMaxIdleTime, driven by a ticker the test advances: no test sleeps through an idle limit.
 */
class IdleLimitsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final FakeTicker ticker = new FakeTicker();
    private final Recorder events = new Recorder();
    private JettyServer server;
    private FinchClient client;
    private PoolKey key;

    @BeforeEach
    void start() {
        server = JettyServer.http();
        key = PoolKey.of(server.baseUrl());
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        server.close();
    }

    private void client(PoolConfig config) {
        client = FinchClient.builder()
                .defaultPool(config)
                .ticker(ticker)
                .listener(events)
                .build();
    }

    @Test
    void connectionIdleLongerThanConnMaxIdleTimeIsClosedAtCheckout() throws Exception {
        client(PoolConfig.builder().connMaxIdleTime(Duration.ofMinutes(10)).build());
        get();

        ticker.advance(Duration.ofMinutes(11));
        get();

        FinchEvent.ConnMaxIdleTimeExceeded exceeded =
                events.await(FinchEvent.ConnMaxIdleTimeExceeded.class, e -> true, WAIT);
        assertThat(exceeded.idleNanos())
                .isGreaterThanOrEqualTo(Duration.ofMinutes(11).toNanos());
        assertThat(events.of(FinchEvent.ConnectStart.class)).hasSize(2);
        assertThat(events.of(FinchEvent.ReusedConnection.class)).isEmpty();
    }

    @Test
    void connectionIdleLessThanConnMaxIdleTimeIsReused() throws Exception {
        client(PoolConfig.builder().connMaxIdleTime(Duration.ofMinutes(10)).build());
        get();

        ticker.advance(Duration.ofMinutes(9));
        get();

        assertThat(events.of(FinchEvent.ConnectStart.class)).hasSize(1);
        FinchEvent.ReusedConnection reused =
                events.of(FinchEvent.ReusedConnection.class).get(0);
        assertThat(reused.idleNanos()).isEqualTo(Duration.ofMinutes(9).toNanos());
    }

    @Test
    void idleSweepClosesExpiredConnectionsWithoutARequest() throws Exception {
        client(PoolConfig.builder()
                .connMaxIdleTime(Duration.ofMillis(100))
                .startPoolMetrics(true)
                .build());
        get();
        assertThat(idleConnections()).isEqualTo(1);

        ticker.advance(Duration.ofSeconds(1));

        events.await(FinchEvent.ConnMaxIdleTimeExceeded.class, e -> true, WAIT);
        Await.until(() -> idleConnections() == 0, WAIT, "the idle connection to be closed");
    }

    @Test
    void poolIdleLongerThanPoolMaxIdleTimeStopsAndTheNextRequestStartsANewOne() throws Exception {
        client(PoolConfig.builder().poolMaxIdleTime(Duration.ofMinutes(5)).build());
        get();
        assertThat(client.poolKeys()).contains(key);

        ticker.advance(Duration.ofMinutes(6));

        events.await(FinchEvent.PoolMaxIdleTimeExceeded.class, e -> e.pool().equals(key), WAIT);
        Await.until(() -> !client.poolKeys().contains(key), WAIT, "the pool to be forgotten");
        assertThat(get().status()).isEqualTo(200);
        assertThat(client.poolKeys()).contains(key);
        assertThat(events.of(FinchEvent.ConnectStart.class)).hasSize(2);
    }

    @Test
    void poolWithARequestInFlightIsNotStoppedForIdleness() throws Exception {
        client(PoolConfig.builder()
                .size(2)
                .poolMaxIdleTime(Duration.ofMinutes(5))
                .connMaxIdleTime(Duration.ofMinutes(1))
                .startPoolMetrics(true)
                .build());
        CompletableFuture<Response> inFlight = client.requestAsync(Request.get(server.baseUrl() + "/slow/1000"));
        Await.until(() -> inUse() == 1, WAIT, "the slow request to hold a connection");
        get(); // leaves a second connection idle: its expiry shows that a sweep ran

        ticker.advance(Duration.ofHours(1));
        events.await(FinchEvent.ConnMaxIdleTimeExceeded.class, e -> true, WAIT);

        assertThat(inFlight.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(events.of(FinchEvent.PoolMaxIdleTimeExceeded.class)).isEmpty();
        assertThat(client.poolKeys()).contains(key);
    }

    private Response get() throws Exception {
        return client.request(Request.get(server.baseUrl() + "/bytes/1"));
    }

    private int idleConnections() {
        return client.poolStatus(key)
                .map(l -> ((Http1PoolMetrics) l.get(0)).idleConnections())
                .orElse(0);
    }

    private int inUse() {
        return client.poolStatus(key)
                .map(l -> ((Http1PoolMetrics) l.get(0)).inUseConnections())
                .orElse(0);
    }

    /** A ticker the test moves forward by hand. */
    static final class FakeTicker implements Ticker {
        private final AtomicLong now = new AtomicLong(1_000_000_000L);

        @Override
        public long nanos() {
            return now.get();
        }

        void advance(Duration d) {
            now.addAndGet(d.toNanos());
        }
    }
}

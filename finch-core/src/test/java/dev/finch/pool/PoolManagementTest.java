package dev.finch.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import dev.finch.RequestOptions;
import dev.finch.Response;
import dev.finch.client.Await;
import dev.finch.client.Recorder;
import dev.finch.conn.Protocol;
import dev.finch.telemetry.FinchEvent;
import dev.finch.testing.JettyServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Pools started, found, stopped and resized at run time, while requests use them; pool status. */
class PoolManagementTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final PoolConfig METRICS =
            PoolConfig.builder().startPoolMetrics(true).build();

    private final Recorder events = new Recorder();
    private JettyServer server;
    private PoolKey key;
    private String base;

    @BeforeEach
    void start() {
        server = JettyServer.http();
        base = server.baseUrl();
        key = PoolKey.of(base);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void poolConfigForIsWhatARequestForTheKeyWouldRunWithEvenWhileItsPoolIsStopped() throws Exception {
        try (FinchClient client = FinchClient.builder()
                .pool(key, METRICS.toBuilder().size(3).build())
                .defaultPool(METRICS.toBuilder().size(9).build())
                .build()) {
            PoolKey started = key.withTag("started");
            client.startPool(started, METRICS.toBuilder().size(5).build());
            client.stopPool(key);
            client.stopPool(started);

            assertThat(client.findPool(key)).isEmpty();
            assertThat(client.poolConfigFor(key).size()).isEqualTo(3);
            assertThat(client.poolConfigFor(started).size()).isEqualTo(5);
            assertThat(client.poolConfigFor(key.withTag("never")).size()).isEqualTo(9);
            client.request(
                    Request.builder("GET", base + "/bytes/1").poolTag("started").build());
            assertThat(client.findPool(started).orElseThrow().size()).isEqualTo(5);
        }
    }

    @Test
    void configuredPoolsStartWithTheClientAndTaggedPoolsAreSeparate() throws Exception {
        try (FinchClient client = FinchClient.builder()
                .pool(key, METRICS.toBuilder().size(3).build())
                .pool(key.withTag("bulk"), METRICS.toBuilder().size(7).count(2).build())
                .defaultPool(METRICS)
                .build()) {
            assertThat(client.poolKeys()).containsExactlyInAnyOrder(key, key.withTag("bulk"));

            client.request(
                    Request.builder("GET", base + "/bytes/1").poolTag("bulk").build());
            client.request(
                    Request.builder("GET", base + "/bytes/1").poolTag("other").build());

            assertThat(client.findPool(key).orElseThrow().size()).isEqualTo(3);
            assertThat(client.poolCount(key.withTag("bulk"))).hasValue(2);
            // An unconfigured tag gets the default configuration (Finch), in a pool of its own.
            assertThat(client.findPool(key.withTag("other")).orElseThrow().size())
                    .isEqualTo(50);
            assertThat(client.defaultPoolStatus()).containsOnlyKeys(key.withTag("other"));
            assertThat(client.allPoolStatus()).containsOnlyKeys(key, key.withTag("bulk"), key.withTag("other"));
        }
    }

    @Test
    void startPoolStartsOnceAndKeepsTheFirstConfiguration() throws Exception {
        try (FinchClient client = FinchClient.builder().build()) {
            assertThat(client.findPool(key)).isEmpty();

            assertThat(client.startPool(key, METRICS.toBuilder().size(5).build()))
                    .isTrue();
            assertThat(client.startPool(key, METRICS.toBuilder().size(9).build()))
                    .isFalse();

            assertThat(client.findPool(key).orElseThrow().size()).isEqualTo(5);
            assertThat(client.request(Request.get(base + "/bytes/1")).status()).isEqualTo(200);
        }
    }

    @Test
    void poolRestartedByARequestUsesTheConfigurationOfTheLastStartPool() throws Exception {
        try (FinchClient client = FinchClient.builder().build()) {
            client.startPool(key, METRICS.toBuilder().size(5).build());
            client.stopPool(key);
            assertThat(client.startPool(key, METRICS.toBuilder().size(9).build()))
                    .isTrue();
            client.stopPool(key);

            assertThat(client.request(Request.get(base + "/bytes/1")).status()).isEqualTo(200);

            assertThat(client.findPool(key).orElseThrow().size()).isEqualTo(9);
        }
    }

    @Test
    void aTransientPoolLeavesNoConfigurationBehindOnceItStops() throws Exception {
        try (FinchClient client = FinchClient.builder()
                .pool(key, METRICS.toBuilder().size(3).build())
                .defaultPool(METRICS.toBuilder().size(9).build())
                .build()) {
            PoolKey tagged = key.withTag("derived");
            assertThat(client.startTransientPool(
                            tagged, METRICS.toBuilder().size(5).build()))
                    .isTrue();
            assertThat(client.poolConfigFor(tagged).size()).isEqualTo(5);
            // Over a configured key, it runs with its own configuration but keeps the key's for later.
            client.stopPool(key);
            assertThat(client.startTransientPool(
                            key, METRICS.toBuilder().size(7).build()))
                    .isTrue();
            assertThat(client.findPool(key).orElseThrow().size()).isEqualTo(7);

            client.stopPool(tagged);
            client.stopPool(key);

            assertThat(client.poolConfigFor(tagged)).isSameAs(client.defaultPoolConfig());
            assertThat(client.poolConfigFor(key).size()).isEqualTo(3);
            assertThat(client.request(Request.get(base + "/bytes/1").toBuilder()
                                    .poolTag("derived")
                                    .build())
                            .status())
                    .isEqualTo(200);
            assertThat(client.findPool(tagged).orElseThrow().size()).isEqualTo(9);
        }
    }

    @Test
    void aRequestWithPoolConfigIfStartingStartsItsPoolTransientlyWithThatConfiguration() throws Exception {
        try (FinchClient client = FinchClient.builder()
                .defaultPool(METRICS.toBuilder().size(9).build())
                .build()) {
            PoolKey tagged = key.withTag("derived");
            PoolConfig derived = METRICS.toBuilder().size(5).build();
            RequestOptions options =
                    RequestOptions.builder().poolConfigIfStarting(derived).build();
            Request request = Request.get(base + "/bytes/1").toBuilder()
                    .poolTag("derived")
                    .build();

            assertThat(client.request(request, options).status()).isEqualTo(200);

            assertThat(client.findPool(tagged)).containsSame(derived);
            assertThat(client.poolConfigFor(tagged)).isSameAs(derived);
            assertThat(client.defaultPoolStatus())
                    .as("not a pool of the default configuration")
                    .doesNotContainKey(tagged);
            // A running pool serves the request whatever the option says.
            PoolConfig other = METRICS.toBuilder().size(7).build();
            assertThat(client.request(
                                    request,
                                    RequestOptions.builder()
                                            .poolConfigIfStarting(other)
                                            .build())
                            .status())
                    .isEqualTo(200);
            assertThat(client.findPool(tagged)).containsSame(derived);

            // Transient: nothing of it stays once it stops.
            assertThat(client.stopPool(tagged)).isTrue();
            assertThat(client.poolConfigFor(tagged)).isSameAs(client.defaultPoolConfig());
            // Async requests start it the same way.
            assertThat(client.requestAsync(request, options)
                            .get(10, TimeUnit.SECONDS)
                            .status())
                    .isEqualTo(200);
            assertThat(client.findPool(tagged)).containsSame(derived);
            assertThat(client.stopPool(tagged)).isTrue();
            // Without the option the key gets the default configuration again (Finch).
            assertThat(client.request(request).status()).isEqualTo(200);
            assertThat(client.findPool(tagged)).containsSame(client.defaultPoolConfig());
        }
    }

    @Test
    void aKeyWithAConfigurationOfItsOwnStartsWithItWhateverPoolConfigIfStartingSays() throws Exception {
        PoolConfig configured = METRICS.toBuilder().size(3).build();
        PoolConfig remembered = METRICS.toBuilder().size(4).build();
        try (FinchClient client = FinchClient.builder().pool(key, configured).build()) {
            PoolKey started = key.withTag("started");
            client.startPool(started, remembered);
            client.stopPool(key);
            client.stopPool(started);
            RequestOptions options = RequestOptions.builder()
                    .poolConfigIfStarting(METRICS.toBuilder().size(5).build())
                    .build();

            client.request(Request.get(base + "/bytes/1"), options);
            client.request(
                    Request.get(base + "/bytes/1").toBuilder()
                            .poolTag("started")
                            .build(),
                    options);

            assertThat(client.findPool(key)).containsSame(configured);
            assertThat(client.findPool(started)).containsSame(remembered);
        }
    }

    @Test
    void aPoolConfigIfStartingThatCannotWorkFailsTheRequestThatWouldStartAPoolWithIt() throws Exception {
        PoolConfig jitterWithoutAge = PoolConfig.builder()
                .http2(PoolConfig.Http2Config.builder()
                        .maxConnectionAgeJitter(Duration.ofSeconds(1))
                        .build())
                .build();
        RequestOptions options =
                RequestOptions.builder().poolConfigIfStarting(jitterWithoutAge).build();
        try (FinchClient client = FinchClient.builder().build()) {
            Request request = Request.get(base + "/bytes/1").toBuilder()
                    .poolTag("derived")
                    .build();

            assertThatThrownBy(() -> client.request(request, options))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("pools[" + key.withTag("derived") + "].http2.maxConnectionAgeJitter needs"
                            + " http2.maxConnectionAge");
            assertThat(client.poolKeys()).isEmpty();

            // Only a pool it starts is checked: on a running pool the option is not looked at.
            client.request(request);
            assertThat(client.request(request, options).status()).isEqualTo(200);
        }
    }

    @Test
    void requestMovedToAnotherShardWaitsOnlyWhatIsLeftOfItsPoolTimeout() throws Exception {
        Duration poolTimeout = Duration.ofSeconds(2);
        AtomicInteger holders = new AtomicInteger();
        // The two holders take a shard each; the waiter queues on the last one, which setPoolCount drops.
        PoolStrategy strategy =
                (request, n) -> request.uri().getPath().startsWith("/bytes") ? n - 1 : holders.getAndIncrement() % n;
        try (FinchClient client = FinchClient.builder()
                .pool(
                        key,
                        METRICS.toBuilder().size(1).count(2).strategy(strategy).build())
                .closeTimeout(Duration.ofMillis(100))
                .build()) {
            client.requestAsync(Request.get(base + "/slow/10000"));
            client.requestAsync(Request.get(base + "/slow/10000"));
            Await.until(
                    () -> shardMetrics(client, 0).inUseConnections() == 1
                            && shardMetrics(client, 1).inUseConnections() == 1,
                    WAIT,
                    "a holder on each shard");
            long start = System.nanoTime();
            CompletableFuture<Response> waiter = client.requestAsync(
                    Request.get(base + "/bytes/1"),
                    RequestOptions.builder().poolTimeout(poolTimeout).build());
            Await.until(() -> shardMetrics(client, 1).waitingRequests() == 1, WAIT, "the waiter to queue");
            Await.until(
                    () -> System.nanoTime() - start >= poolTimeout.toNanos() * 3 / 4,
                    WAIT,
                    "the waiter to spend most of its pool timeout");

            client.setPoolCount(key, 1); // the waiter moves to shard 1, which its holder keeps

            assertThatThrownBy(() -> waiter.get(10, TimeUnit.SECONDS))
                    .cause()
                    .isInstanceOfSatisfying(FinchException.class, e -> assertThat(e.reason())
                            .isEqualTo(FinchException.Reason.POOL_TIMEOUT));
            // Counted from its first wait (2 s), not again from the move (1.5 s + 2 s).
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(poolTimeout.plusMillis(900));
        }
    }

    private Http1PoolMetrics shardMetrics(FinchClient client, int index) {
        return (Http1PoolMetrics) client.poolStatus(key).orElseThrow().get(index);
    }

    @Test
    void stopPoolClosesIdleConnectionsAndTheNextRequestStartsItAgain() throws Exception {
        try (FinchClient client =
                FinchClient.builder().defaultPool(METRICS).listener(events).build()) {
            client.request(Request.get(base + "/bytes/1"));

            assertThat(client.stopPool(key)).isTrue();
            assertThat(client.stopPool(key)).isFalse();
            assertThat(client.findPool(key)).isEmpty();
            assertThat(client.poolStatus(key)).isEmpty();

            client.request(Request.get(base + "/bytes/1"));
            assertThat(client.findPool(key)).isPresent();
            assertThat(events.of(FinchEvent.ConnectStart.class)).hasSize(2);
        }
    }

    @Test
    void stopPoolLetsRequestsInFlightFinishAndMovesWaitersToANewPool() throws Exception {
        try (FinchClient client = FinchClient.builder()
                .defaultPool(METRICS.toBuilder().size(1).build())
                .build()) {
            CompletableFuture<Response> inFlight = client.requestAsync(Request.get(base + "/slow/500"));
            Await.until(() -> Http1PoolTest.inUse(client, server) == 1, WAIT, "the first request in flight");
            CompletableFuture<Response> waiter = client.requestAsync(Request.get(base + "/bytes/1"));
            Await.until(() -> Http1PoolTest.waiting(client, server) == 1, WAIT, "the second request to queue");

            client.stopPool(key);

            assertThat(waiter.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(inFlight.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        }
    }

    @Test
    void setPoolCountGrowsAndShrinksAndTheMetricsFollow() throws Exception {
        try (FinchClient client = FinchClient.builder().defaultPool(METRICS).build()) {
            client.request(Request.get(base + "/bytes/1"));

            assertThat(client.setPoolCount(key, 3)).isTrue();
            assertThat(client.poolCount(key)).hasValue(3);
            assertThat(client.poolStatus(key).orElseThrow())
                    .extracting(PoolMetrics::poolIndex)
                    .containsExactly(1, 2, 3);

            assertThat(client.setPoolCount(key, 1)).isTrue();
            assertThat(client.poolStatus(key).orElseThrow())
                    .extracting(PoolMetrics::poolIndex)
                    .containsExactly(1);
            assertThat(client.setPoolCount(PoolKey.of("http://unknown.invalid"), 2))
                    .isFalse();
            assertThatThrownBy(() -> client.setPoolCount(key, 0)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void shrinkingWhileRequestsRunOnDroppedShardsLosesNoRequest() throws Exception {
        try (FinchClient client = FinchClient.builder()
                .defaultPool(METRICS.toBuilder()
                        .size(1)
                        .count(4)
                        .strategy(PoolStrategy.roundRobin())
                        .build())
                .defaultRequestOptions(RequestOptions.builder()
                        .poolTimeout(Duration.ofSeconds(20))
                        .build())
                .build()) {
            List<CompletableFuture<Response>> inFlight = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                inFlight.add(client.requestAsync(Request.get(base + "/slow/300")));
            }
            Await.until(() -> inUseTotal(client) == 4, WAIT, "a request on every shard");
            List<CompletableFuture<Response>> queued = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                queued.add(client.requestAsync(Request.get(base + "/bytes/1")));
            }

            client.setPoolCount(key, 1);

            for (CompletableFuture<Response> f : inFlight) {
                assertThat(f.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            }
            for (CompletableFuture<Response> f : queued) {
                assertThat(f.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
            }
            assertThat(client.poolStatus(key).orElseThrow()).hasSize(1);
        }
    }

    @Test
    void http2ShardsGrowAndShrinkWhileStreamsRunAndLoseNone() throws Exception {
        try (JettyServer h2c = JettyServer.h2c();
                FinchClient client = FinchClient.builder()
                        .defaultPool(METRICS.toBuilder()
                                .protocols(Protocol.HTTP2)
                                .strategy(PoolStrategy.roundRobin())
                                .build())
                        .listener(events)
                        .build()) {
            PoolKey h2Key = PoolKey.of(h2c.baseUrl());
            client.request(Request.get(h2c.baseUrl() + "/bytes/1"));

            client.setPoolCount(h2Key, 3);
            List<CompletableFuture<Response>> inFlight = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                inFlight.add(client.requestAsync(Request.get(h2c.baseUrl() + "/slow/300")));
            }
            Await.until(
                    () -> client.poolStatus(h2Key).orElseThrow().stream()
                                    .mapToInt(m -> ((Http2PoolMetrics) m).inFlightRequests())
                                    .sum()
                            == 12,
                    WAIT,
                    "streams on every shard");
            client.setPoolCount(h2Key, 1);

            for (CompletableFuture<Response> f : inFlight) {
                assertThat(f.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            }
            assertThat(client.poolStatus(h2Key).orElseThrow()).hasSize(1);
            assertThat(events.of(FinchEvent.ConnectStart.class)).hasSize(3);
            assertThat(client.request(Request.get(h2c.baseUrl() + "/bytes/1")).status())
                    .isEqualTo(200);
        }
    }

    @Test
    void stopPoolLetsHttp2StreamsFinish() throws Exception {
        try (JettyServer h2c = JettyServer.h2c();
                FinchClient client = FinchClient.builder()
                        .defaultPool(
                                METRICS.toBuilder().protocols(Protocol.HTTP2).build())
                        .build()) {
            PoolKey h2Key = PoolKey.of(h2c.baseUrl());
            CompletableFuture<Response> inFlight = client.requestAsync(Request.get(h2c.baseUrl() + "/slow/300"));
            Await.until(
                    () -> client.poolStatus(h2Key)
                            .map(l -> ((Http2PoolMetrics) l.get(0)).inFlightRequests() == 1)
                            .orElse(false),
                    WAIT,
                    "the stream to start");

            assertThat(client.stopPool(h2Key)).isTrue();

            assertThat(inFlight.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(client.request(Request.get(h2c.baseUrl() + "/bytes/1")).status())
                    .isEqualTo(200);
        }
    }

    @Test
    void pingAnswersOnHttp2Pools() throws Exception {
        try (JettyServer h2c = JettyServer.h2c();
                FinchClient client = FinchClient.builder()
                        .pool(
                                h2c.baseUrl(),
                                METRICS.toBuilder().protocols(Protocol.HTTP2).build())
                        .build()) {
            assertThat(client.ping(PoolKey.of(h2c.baseUrl()))).isPositive();
        }
    }

    @Test
    void statusIsEmptyForUnknownPoolsAndPoolsWithoutMetrics() throws Exception {
        try (FinchClient client = FinchClient.builder().build()) {
            assertThat(client.poolStatus(key)).isEmpty();
            assertThat(client.poolCount(key)).isEmpty();

            client.request(Request.get(base + "/bytes/1"));

            assertThat(client.poolCount(key)).hasValue(1);
            assertThat(client.poolStatus(key)).isEmpty(); // startPoolMetrics false, as in Finch
            assertThat(client.defaultPoolStatus()).isEmpty();
        }
    }

    @Test
    void pingIsAClearErrorOnHttp1PoolsAndUnknownPools() throws Exception {
        try (FinchClient client = FinchClient.builder().build()) {
            assertThatThrownBy(() -> client.ping(key))
                    .isInstanceOfSatisfying(FinchException.class, e -> assertThat(e.reason())
                            .isEqualTo(FinchException.Reason.POOL_NOT_FOUND));
            client.request(Request.get(base + "/bytes/1"));

            assertThatThrownBy(() -> client.ping(key))
                    .isInstanceOfSatisfying(FinchException.class, e -> assertThat(e.reason())
                            .isEqualTo(FinchException.Reason.NOT_HTTP2))
                    .hasMessageContaining("HTTP/1");
        }
    }

    private int inUseTotal(FinchClient client) {
        return client.poolStatus(key)
                .map(l -> l.stream()
                        .mapToInt(m -> ((Http1PoolMetrics) m).inUseConnections())
                        .sum())
                .orElse(0);
    }
}

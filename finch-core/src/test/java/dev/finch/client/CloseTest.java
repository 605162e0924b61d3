package dev.finch.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import dev.finch.RequestOptions;
import dev.finch.Response;
import dev.finch.conn.Protocol;
import dev.finch.pool.FinchException;
import dev.finch.pool.Http2PoolMetrics;
import dev.finch.pool.PoolConfig;
import dev.finch.pool.PoolStrategy;
import dev.finch.testing.JettyServer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** close(): drains, fails what waits, and leaves no thread or socket behind. */
class CloseTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private JettyServer server;
    private String base;

    @BeforeEach
    void start() {
        server = JettyServer.http();
        base = server.baseUrl();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void noThreadOrSocketOutlivesClose() throws Exception {
        Await.until(() -> Leaks.finchThreads().isEmpty(), WAIT, "threads of earlier clients to end");
        long before = Leaks.openFileDescriptors();
        FinchClient client = FinchClient.builder()
                .defaultPool(PoolConfig.builder()
                        .size(10)
                        .count(2)
                        .connMaxIdleTime(Duration.ofMinutes(1)) // starts the scheduler thread
                        .build())
                .build();
        List<CompletableFuture<Response>> async = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            async.add(client.requestAsync(Request.get(base + "/bytes/100")));
        }
        for (int i = 0; i < 20; i++) {
            client.request(Request.get(base + "/chunked/10000"));
        }
        for (CompletableFuture<Response> f : async) {
            f.get(10, TimeUnit.SECONDS);
        }
        assertThat(Leaks.finchThreads()).contains("finch-scheduler");
        assertThat(Leaks.openFileDescriptors()).isGreaterThan(before);

        client.close();

        assertThat(Leaks.finchThreads()).isEmpty();
        // Jetty closes its side of each connection a moment after ours: wait for the count to settle.
        Await.until(() -> Leaks.openFileDescriptors() <= before + 3, WAIT, "descriptors back to " + before);
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void noHttp2ThreadOrSocketOutlivesClose() throws Exception {
        Await.until(() -> Leaks.finchThreads().isEmpty(), WAIT, "threads of earlier clients to end");
        try (JettyServer h2c = JettyServer.h2c()) {
            long before = Leaks.openFileDescriptors();
            FinchClient client = FinchClient.builder()
                    .defaultPool(PoolConfig.builder()
                            .protocols(Protocol.HTTP2)
                            .count(3)
                            .build())
                    .build();
            List<CompletableFuture<Response>> inFlight = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                inFlight.add(client.requestAsync(Request.get(h2c.baseUrl() + "/slow/200")));
            }
            for (CompletableFuture<Response> f : inFlight) {
                f.get(10, TimeUnit.SECONDS);
            }
            if (Runtime.version().feature() < 21) {
                assertThat(Leaks.finchThreads()).anyMatch(n -> n.startsWith("finch-h2-"));
            }

            client.close();

            assertThat(Leaks.finchThreads()).isEmpty();
            Await.until(() -> Leaks.openFileDescriptors() <= before + 3, WAIT, "descriptors back to " + before);
        }
    }

    @Test
    void closeEndsAnHttp2ShardDroppedBySetPoolCountWithAStreamInFlight() throws Exception {
        Await.until(() -> Leaks.finchThreads().isEmpty(), WAIT, "threads of earlier clients to end");
        try (JettyServer h2c = JettyServer.h2c()) {
            FinchClient client = http2Client(h2c, 2);
            PoolKey key = PoolKey.of(h2c.baseUrl());
            List<Thread> callers = slowCallers(client, h2c, 2);
            Await.until(() -> inFlight(client, key) == 2, WAIT, "a stream on each shard");

            client.setPoolCount(key, 1);
            client.close();

            assertThat(Leaks.finchThreads()).isEmpty();
            joinAll(callers);
        }
    }

    @Test
    void closeEndsAPoolRemovedByStopPoolWithAStreamInFlight() throws Exception {
        Await.until(() -> Leaks.finchThreads().isEmpty(), WAIT, "threads of earlier clients to end");
        try (JettyServer h2c = JettyServer.h2c()) {
            FinchClient client = http2Client(h2c, 1);
            PoolKey key = PoolKey.of(h2c.baseUrl());
            List<Thread> callers = slowCallers(client, h2c, 1);
            Await.until(() -> inFlight(client, key) == 1, WAIT, "the stream to start");

            assertThat(client.stopPool(key)).isTrue();
            client.close();

            assertThat(Leaks.finchThreads()).isEmpty();
            joinAll(callers);
        }
    }

    private static FinchClient http2Client(JettyServer h2c, int count) {
        return FinchClient.builder()
                .pool(
                        h2c.baseUrl(),
                        PoolConfig.builder()
                                .protocols(Protocol.HTTP2)
                                .count(count)
                                .strategy(PoolStrategy.roundRobin())
                                .startPoolMetrics(true)
                                .build())
                .closeTimeout(Duration.ofMillis(300))
                .build();
    }

    /** Synchronous requests that outlast the close timeout, each on a thread of its own (not the client's). */
    private static List<Thread> slowCallers(FinchClient client, JettyServer h2c, int n) {
        RequestOptions options =
                RequestOptions.builder().receiveTimeout(Duration.ofSeconds(30)).build();
        List<Thread> callers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(() -> {
                try {
                    client.request(Request.get(h2c.baseUrl() + "/slow/6000"), options);
                } catch (IOException e) {
                    // cut by close(): expected
                }
            });
            t.setDaemon(true);
            t.start();
            callers.add(t);
        }
        return callers;
    }

    private static long inFlight(FinchClient client, PoolKey key) {
        return client.poolStatus(key).orElseThrow().stream()
                .mapToLong(m -> ((Http2PoolMetrics) m).inFlightRequests())
                .sum();
    }

    private static void joinAll(List<Thread> threads) throws InterruptedException {
        for (Thread t : threads) {
            t.join(WAIT.toMillis());
        }
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void anHttp1RequestStillBlockedAfterTheCloseTimeoutHasItsSocketCut() throws Exception {
        Await.until(() -> Leaks.finchThreads().isEmpty(), WAIT, "threads of earlier clients to end");
        long before = Leaks.openFileDescriptors();
        FinchClient client = FinchClient.builder()
                .defaultPool(PoolConfig.builder().startPoolMetrics(true).build())
                .closeTimeout(Duration.ofMillis(200))
                .build();
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread caller = new Thread(() -> {
            try {
                client.request(
                        Request.get(base + "/slow/20000"),
                        RequestOptions.builder()
                                .receiveTimeout(Duration.ofSeconds(60))
                                .build());
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
        caller.setDaemon(true);
        caller.start();
        Await.until(
                () -> client.poolStatus(PoolKey.of(base))
                        .map(m -> ((dev.finch.pool.Http1PoolMetrics) m.get(0)).inUseConnections() == 1)
                        .orElse(false),
                WAIT,
                "the request to hold a connection");

        long start = System.nanoTime();
        client.close();
        Throwable failure = outcome.get(10, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(failure).isInstanceOf(IOException.class);
        caller.join(WAIT.toMillis());
        Await.until(() -> Leaks.openFileDescriptors() <= before + 3, WAIT, "descriptors back to " + before);
    }

    @Test
    void closeDrainsHttp2StreamsInFlight() throws Exception {
        try (JettyServer h2c = JettyServer.h2c()) {
            FinchClient client = FinchClient.builder()
                    .defaultPool(PoolConfig.builder()
                            .protocols(Protocol.HTTP2)
                            .startPoolMetrics(true)
                            .build())
                    .build();
            CompletableFuture<Response> inFlight = client.requestAsync(Request.get(h2c.baseUrl() + "/slow/300"));
            Await.until(
                    () -> client.allPoolStatus().values().stream()
                            .flatMap(List::stream)
                            .anyMatch(m -> ((Http2PoolMetrics) m).inFlightRequests() == 1),
                    WAIT,
                    "the stream to start");

            client.close();

            assertThat(inFlight.get(1, TimeUnit.SECONDS).status()).isEqualTo(200);
        }
    }

    @Test
    void closeLetsRequestsInFlightFinish() throws Exception {
        FinchClient client = FinchClient.builder().build();
        CompletableFuture<Response> inFlight = client.requestAsync(Request.get(base + "/slow/300"));
        Await.until(() -> !client.poolKeys().isEmpty(), WAIT, "the request to start");

        client.close();

        assertThat(inFlight.get(1, TimeUnit.SECONDS).status()).isEqualTo(200);
    }

    @Test
    void closeFailsWaitersAndLaterCalls() throws Exception {
        FinchClient client = FinchClient.builder()
                .defaultPool(PoolConfig.builder().size(1).startPoolMetrics(true).build())
                .build();
        CompletableFuture<Response> holder = client.requestAsync(Request.get(base + "/slow/500"));
        Await.until(() -> inUse(client) == 1, WAIT, "the holder to take the connection");
        CompletableFuture<Response> waiter = client.requestAsync(Request.get(base + "/bytes/1"));
        Await.until(() -> waiting(client) == 1, WAIT, "the waiter to queue");

        client.close();

        assertThatThrownBy(() -> waiter.get(1, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOfSatisfying(FinchException.class, e -> assertThat(e.reason())
                        .isEqualTo(FinchException.Reason.CLIENT_CLOSED));
        assertThat(holder.get(1, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThatThrownBy(() -> client.request(Request.get(base + "/bytes/1")))
                .isInstanceOfSatisfying(FinchException.class, e -> assertThat(e.reason())
                        .isEqualTo(FinchException.Reason.CLIENT_CLOSED));
        assertThatThrownBy(() ->
                        client.requestAsync(Request.get(base + "/bytes/1")).get(1, TimeUnit.SECONDS))
                .hasCauseInstanceOf(FinchException.class);
    }

    @Test
    void closeCancelsAsyncRequestsStillRunningAfterTheCloseTimeout() throws Exception {
        FinchClient client =
                FinchClient.builder().closeTimeout(Duration.ofMillis(200)).build();
        CollectingHandler handler = new CollectingHandler();
        client.asyncRequest(Request.get(base + "/slow/30000"), handler);
        Await.until(() -> !client.poolKeys().isEmpty(), WAIT, "the request to start");

        long start = System.nanoTime();
        client.close();

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(handler.ended().await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(handler.error()).isInstanceOfSatisfying(FinchException.class, e -> assertThat(e.reason())
                .isEqualTo(FinchException.Reason.CANCELLED));
    }

    @Test
    void closeIsIdempotent() {
        FinchClient client = FinchClient.builder().build();
        client.close();
        client.close();

        assertThat(client.isClosed()).isTrue();
    }

    private static int inUse(FinchClient client) {
        return client.allPoolStatus().values().stream()
                .flatMap(List::stream)
                .mapToInt(m -> ((dev.finch.pool.Http1PoolMetrics) m).inUseConnections())
                .sum();
    }

    private static int waiting(FinchClient client) {
        return client.allPoolStatus().values().stream()
                .flatMap(List::stream)
                .mapToInt(m -> ((dev.finch.pool.Http1PoolMetrics) m).waitingRequests())
                .sum();
    }
}

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
import dev.finch.telemetry.FinchEvent;
import dev.finch.testing.JettyServer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP/1 pool under load and at its limits: lazy connections, concurrency, exhaustion, fair waiting, metrics. */
class Http1PoolTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private <T extends AutoCloseable> T use(T resource) {
        resources.add(resource);
        return resource;
    }

    @Test
    void connectionsOpenLazilyUpToSize() throws Exception {
        JettyServer server = use(JettyServer.http());
        Recorder events = new Recorder();
        FinchClient client = use(FinchClient.builder()
                .defaultPool(PoolConfig.builder().size(4).startPoolMetrics(true).build())
                .listener(events)
                .build());
        PoolKey key = PoolKey.of(server.baseUrl());

        assertThat(events.of(FinchEvent.ConnectStart.class)).isEmpty();
        client.request(Request.get(server.baseUrl() + "/bytes/1"));

        assertThat(events.of(FinchEvent.ConnectStart.class)).hasSize(1);
        assertThat(client.poolStatus(key).orElseThrow()).containsExactly(new Http1PoolMetrics(1, 4, 4, 0, 1, 0));
    }

    @Test
    void hundredsOfConcurrentCallersShareSizeTimesCountConnections() throws Exception {
        JettyServer server = use(JettyServer.http());
        Recorder events = new Recorder();
        FinchClient client = use(FinchClient.builder()
                .defaultPool(PoolConfig.builder()
                        .size(8)
                        .count(2)
                        .startPoolMetrics(true)
                        .build())
                .defaultRequestOptions(RequestOptions.builder()
                        .poolTimeout(Duration.ofSeconds(30))
                        .build())
                .listener(events)
                .build());
        int callers = 300;
        int perCaller = 10;
        ExecutorService threads = Executors.newFixedThreadPool(callers);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                int caller = c;
                results.add(threads.submit(() -> {
                    go.await();
                    int ok = 0;
                    for (int i = 0; i < perCaller; i++) {
                        Response r = client.request(Request.get(server.baseUrl() + "/echo?c=" + caller + "&i=" + i));
                        if (r.status() == 200 && r.header("x-echo-uri").equals("/echo?c=" + caller + "&i=" + i)) {
                            ok++;
                        }
                    }
                    return ok;
                }));
            }
            go.countDown();
            int ok = 0;
            for (Future<Integer> f : results) {
                ok += f.get(60, TimeUnit.SECONDS);
            }

            assertThat(ok).isEqualTo(callers * perCaller);
        } finally {
            threads.shutdownNow();
        }
        assertThat(events.of(FinchEvent.ConnectStart.class).size()).isBetween(1, 16);
        List<PoolMetrics> metrics =
                client.poolStatus(PoolKey.of(server.baseUrl())).orElseThrow();
        assertThat(metrics).hasSize(2).allSatisfy(m -> {
            Http1PoolMetrics h = (Http1PoolMetrics) m;
            assertThat(h.inUseConnections()).isZero();
            assertThat(h.waitingRequests()).isZero();
            assertThat(h.idleConnections()).isBetween(0, 8);
        });
    }

    @Test
    void exhaustedPoolTimesOutWithATypedErrorThatSaysWhatToChange() throws Exception {
        JettyServer server = use(JettyServer.http());
        Recorder events = new Recorder();
        FinchClient client = use(FinchClient.builder()
                .defaultPool(PoolConfig.builder().size(1).startPoolMetrics(true).build())
                .listener(events)
                .build());
        CompletableFuture<Response> holder = client.requestAsync(Request.get(server.baseUrl() + "/slow/1500"));
        Await.until(() -> inUse(client, server) == 1, WAIT, "the slow request to hold the connection");
        RequestOptions quick =
                RequestOptions.builder().poolTimeout(Duration.ofMillis(100)).build();

        long start = System.nanoTime();
        assertThatThrownBy(() -> client.request(Request.get(server.baseUrl() + "/bytes/1"), quick))
                .isInstanceOfSatisfying(FinchException.class, e -> {
                    assertThat(e.reason()).isEqualTo(FinchException.Reason.POOL_TIMEOUT);
                    assertThat(e.getMessage())
                            .contains(server.baseUrl())
                            .contains("all 1 connections in use")
                            .contains("raise size");
                });

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        assertThat(events.of(FinchEvent.QueueException.class)).hasSize(1);
        assertThat(holder.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(waiting(client, server)).isZero();
    }

    @Test
    void waitersAreServedFirstComeFirstServed() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<String> served = new CopyOnWriteArrayList<>();
        JettyServer server = use(JettyServer.http((request, response, callback) -> {
            String who = request.getHttpURI().getQuery();
            if ("holder".equals(who)) {
                release.await(10, TimeUnit.SECONDS);
            }
            served.add(who);
            response.write(true, ByteBuffer.wrap(who.getBytes(StandardCharsets.UTF_8)), callback);
            return true;
        }));
        FinchClient client = use(FinchClient.builder()
                .defaultPool(PoolConfig.builder().size(1).startPoolMetrics(true).build())
                .build());
        List<CompletableFuture<Response>> all = new ArrayList<>();
        all.add(client.requestAsync(Request.get(server.baseUrl() + "/?holder")));
        Await.until(() -> inUse(client, server) == 1, WAIT, "the holder to take the connection");
        for (int i = 0; i < 5; i++) {
            all.add(client.requestAsync(Request.get(server.baseUrl() + "/?w" + i)));
            int queued = i + 1;
            Await.until(() -> waiting(client, server) == queued, WAIT, queued + " waiters");
        }

        release.countDown();
        for (CompletableFuture<Response> f : all) {
            assertThat(f.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        }

        assertThat(served).containsExactly("holder", "w0", "w1", "w2", "w3", "w4");
    }

    @Test
    void requestTimeoutAlsoBoundsTheWaitForAConnection() throws Exception {
        JettyServer server = use(JettyServer.http());
        FinchClient client = use(FinchClient.builder()
                .defaultPool(PoolConfig.builder().size(1).startPoolMetrics(true).build())
                .build());
        CompletableFuture<Response> holder = client.requestAsync(Request.get(server.baseUrl() + "/slow/1500"));
        Await.until(() -> inUse(client, server) == 1, WAIT, "the slow request to hold the connection");
        RequestOptions options = RequestOptions.builder()
                .poolTimeout(Duration.ofSeconds(30))
                .requestTimeout(Duration.ofMillis(150))
                .build();

        assertThatThrownBy(() -> client.request(Request.get(server.baseUrl() + "/bytes/1"), options))
                .isInstanceOfSatisfying(FinchException.class, e -> assertThat(e.reason())
                        .isEqualTo(FinchException.Reason.REQUEST_TIMEOUT));
        assertThat(holder.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
    }

    @Test
    void aFailedConnectFreesItsSlotForTheNextWaiter() throws Exception {
        Recorder events = new Recorder();
        FinchClient client = use(FinchClient.builder()
                .defaultPool(PoolConfig.builder().size(1).startPoolMetrics(true).build())
                .listener(events)
                .build());
        AtomicInteger failures = new AtomicInteger();
        for (int i = 0; i < 3; i++) {
            try {
                client.request(Request.get("http://127.0.0.1:1/"));
            } catch (java.io.IOException e) {
                failures.incrementAndGet();
            }
        }

        assertThat(failures).hasValue(3);
        assertThat(events.of(FinchEvent.ConnectStop.class)).hasSize(3).allSatisfy(e -> assertThat(e.error())
                .isNotNull());
        assertThat(client.poolStatus(PoolKey.of("http://127.0.0.1:1")).orElseThrow())
                .containsExactly(new Http1PoolMetrics(1, 1, 1, 0, 0, 0));
    }

    static int inUse(FinchClient client, JettyServer server) {
        return metrics(client, server).inUseConnections();
    }

    static int waiting(FinchClient client, JettyServer server) {
        return metrics(client, server).waitingRequests();
    }

    static Http1PoolMetrics metrics(FinchClient client, JettyServer server) {
        return client.poolStatus(PoolKey.of(server.baseUrl()))
                .map(l -> (Http1PoolMetrics) l.get(0))
                .orElse(new Http1PoolMetrics(1, 0, 0, 0, 0, 0));
    }
}

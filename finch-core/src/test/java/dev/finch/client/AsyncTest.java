package dev.finch.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.AsyncRef;
import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import dev.finch.Response;
import dev.finch.http.TransportException;
import dev.finch.pool.FinchException;
import dev.finch.pool.Http1PoolMetrics;
import dev.finch.pool.PoolConfig;
import dev.finch.testing.JettyServer;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** asyncRequest with a handler, requestAsync with a future, and cancel. */
class AsyncTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private JettyServer server;
    private FinchClient client;
    private String base;

    @BeforeEach
    void start() {
        server = JettyServer.http();
        base = server.baseUrl();
        client = FinchClient.builder()
                .defaultPool(PoolConfig.builder().size(1).startPoolMetrics(true).build())
                .build();
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    @Test
    void handlerGetsThePartsInOrderThenComplete() throws Exception {
        CollectingHandler handler = new CollectingHandler();

        AsyncRef ref = client.asyncRequest(Request.get(base + "/trailers"), handler);

        assertThat(handler.ended().await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(handler.events().get(0)).isEqualTo("Status 200");
        assertThat(handler.events().get(1)).startsWith("Headers");
        assertThat(handler.events()).contains("Trailers");
        assertThat(handler.events().get(handler.events().size() - 1)).isEqualTo("complete");
        assertThat(ref.isDone()).isTrue();
    }

    @Test
    void failureGoesToOnError() throws Exception {
        int closedPort;
        try (ServerSocketChannel s = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            closedPort = s.socket().getLocalPort();
        }
        CollectingHandler handler = new CollectingHandler();

        client.asyncRequest(Request.get("http://127.0.0.1:" + closedPort + "/"), handler);

        assertThat(handler.ended().await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(handler.error()).isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.reason())
                .isEqualTo(TransportException.Reason.CONNECT_FAILED));
    }

    @Test
    void futureCompletesWithTheResponse() throws Exception {
        CompletableFuture<Response> f = client.requestAsync(Request.get(base + "/bytes/100"));

        assertThat(f.get(10, TimeUnit.SECONDS).body()).hasSize(100);
    }

    @Test
    void cancelEndsABlockedReadAndReleasesTheConnection() throws Exception {
        CollectingHandler handler = new CollectingHandler();
        AsyncRef ref = client.asyncRequest(Request.get(base + "/slow/30000"), handler);
        Await.until(() -> inUse() == 1, WAIT, "the request to hold the connection");

        assertThat(client.cancel(ref)).isTrue();

        assertThat(handler.ended().await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(handler.error()).isInstanceOfSatisfying(FinchException.class, e -> assertThat(e.reason())
                .isEqualTo(FinchException.Reason.CANCELLED));
        Await.until(() -> inUse() == 0, WAIT, "the connection to come back");
        assertThat(client.request(Request.get(base + "/bytes/1")).status()).isEqualTo(200);
    }

    @Test
    void cancelEndsAWaitForAConnection() throws Exception {
        CompletableFuture<Response> holder = client.requestAsync(Request.get(base + "/slow/2000"));
        Await.until(() -> inUse() == 1, WAIT, "the first request to hold the only connection");
        CollectingHandler handler = new CollectingHandler();
        AsyncRef waiting = client.asyncRequest(Request.get(base + "/bytes/1"), handler);
        Await.until(() -> waiting() == 1, WAIT, "the second request to queue");

        client.cancel(waiting);

        assertThat(handler.ended().await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(handler.error()).isInstanceOfSatisfying(FinchException.class, e -> assertThat(e.reason())
                .isEqualTo(FinchException.Reason.CANCELLED));
        assertThat(waiting()).isZero();
        assertThat(holder.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
    }

    @Test
    void cancelBeforeTheRequestStartsReportsCancelled() throws Exception {
        ExecutorService single = Executors.newSingleThreadExecutor();
        CountDownLatch release = new CountDownLatch(1);
        try (FinchClient c = FinchClient.builder().asyncExecutor(single).build()) {
            single.execute(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            CollectingHandler handler = new CollectingHandler();
            AsyncRef ref = c.asyncRequest(Request.get(base + "/bytes/1"), handler);

            assertThat(c.cancel(ref)).isTrue();
            release.countDown();

            assertThat(handler.ended().await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(handler.events()).containsExactly("error");
            assertThat(handler.error()).isInstanceOf(FinchException.class);
        } finally {
            single.shutdownNow();
        }
    }

    @Test
    void cancellingTheFutureCancelsTheRequest() throws Exception {
        CompletableFuture<Response> f = client.requestAsync(Request.get(base + "/slow/30000"));
        Await.until(() -> inUse() == 1, WAIT, "the request to hold the connection");

        assertThat(f.cancel(true)).isTrue();

        Await.until(() -> inUse() == 0, WAIT, "the connection to be released");
        assertThatThrownBy(f::get).isInstanceOf(java.util.concurrent.CancellationException.class);
    }

    @Test
    void cancelAfterTheEndReturnsFalse() throws Exception {
        CollectingHandler handler = new CollectingHandler();
        AsyncRef ref = client.asyncRequest(Request.get(base + "/bytes/1"), handler);
        assertThat(handler.ended().await(10, TimeUnit.SECONDS)).isTrue();
        Await.until(ref::isDone, WAIT, "the request to end");

        assertThat(client.cancel(ref)).isFalse();
    }

    @Test
    void asyncErrorIsTheSameTypeAsTheSynchronousOne() {
        CompletableFuture<Response> f = client.requestAsync(Request.get("http://127.0.0.1:1/"));

        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(TransportException.class);
    }

    @Test
    void asyncRequestsRunOnVirtualThreadsWhereTheRuntimeHasThem() throws Exception {
        CompletableFuture<Thread> runner = new CompletableFuture<>();
        client.asyncRequest(Request.get(base + "/bytes/1"), new CollectingHandler() {
            @Override
            public void onComplete() {
                runner.complete(Thread.currentThread());
                super.onComplete();
            }
        });

        Thread t = runner.get(10, TimeUnit.SECONDS);
        assertThat(t.getName()).startsWith("finch-async-");
        if (Runtime.version().feature() >= 21) {
            assertThat((boolean) Thread.class.getMethod("isVirtual").invoke(t)).isTrue();
        } else {
            assertThat(t.isDaemon()).isTrue(); // Java 17: a daemon platform thread of the client's own pool
        }
    }

    private int inUse() {
        return metrics().inUseConnections();
    }

    private int waiting() {
        return metrics().waitingRequests();
    }

    private Http1PoolMetrics metrics() {
        return client.poolStatus(PoolKey.of(base))
                .map(l -> (Http1PoolMetrics) l.get(0))
                .orElse(new Http1PoolMetrics(1, 1, 1, 0, 0, 0));
    }
}

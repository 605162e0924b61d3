package dev.finch.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.FinchClient;
import dev.finch.Request;
import dev.finch.Response;
import dev.finch.conn.Protocol;
import dev.finch.pool.FinchException;
import dev.finch.pool.Http2PoolMetrics;
import dev.finch.pool.PoolConfig;
import dev.finch.testing.JettyServer;
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

package dev.finch.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import dev.finch.RequestOptions;
import dev.finch.client.Await;
import dev.finch.client.Recorder;
import dev.finch.pool.FinchException;
import dev.finch.pool.PoolConfig;
import dev.finch.testing.JettyServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The events of a request, recorded and asserted in order, with their metadata; listeners that throw. */
class TelemetryTest {
    private static JettyServer server;
    private static String base;

    @BeforeAll
    static void start() {
        server = JettyServer.http();
        base = server.baseUrl();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void freshConnectionRequestEmitsFinchsEventsInOrder() throws Exception {
        Recorder events = new Recorder();
        try (FinchClient client = FinchClient.builder().listener(events).build()) {
            client.request(Request.get(base + "/bytes/5"));
        }

        assertThat(events.names())
                .containsExactly(
                        "RequestStart",
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
    void reusedConnectionRequestReportsReuseInsteadOfConnect() throws Exception {
        Recorder events = new Recorder();
        try (FinchClient client = FinchClient.builder().listener(events).build()) {
            client.request(Request.get(base + "/bytes/5"));
            events.clear();
            client.request(Request.get(base + "/bytes/5"));
        }

        assertThat(events.names())
                .containsExactly(
                        "RequestStart",
                        "QueueStart",
                        "QueueStop",
                        "ReusedConnection",
                        "SendStart",
                        "SendStop",
                        "RecvStart",
                        "RecvStop",
                        "RequestStop");
        FinchEvent.QueueStop queued = events.of(FinchEvent.QueueStop.class).get(0);
        assertThat(queued.reused()).isTrue();
    }

    @Test
    void eventsCarryFinchsMetadata() throws Exception {
        Recorder events = new Recorder();
        Request request = Request.builder("GET", base + "/trailers")
                .putPrivate("route", "trailers")
                .build();
        try (FinchClient client = FinchClient.builder().listener(events).build()) {
            client.request(request);
        }

        PoolKey key = PoolKey.of(base);
        assertThat(events.events()).allSatisfy(e -> assertThat(e.pool()).isEqualTo(key));
        FinchEvent.RequestStart start = events.of(FinchEvent.RequestStart.class).get(0);
        assertThat(start.request()).isSameAs(request);
        assertThat(start.request().privateData()).containsEntry("route", "trailers");
        FinchEvent.ConnectStop connected =
                events.of(FinchEvent.ConnectStop.class).get(0);
        assertThat(connected.protocol()).isEqualTo("http/1.1");
        assertThat(connected.error()).isNull();
        FinchEvent.RecvStop received = events.of(FinchEvent.RecvStop.class).get(0);
        assertThat(received.status()).isEqualTo(200);
        assertThat(received.headers().first("content-type")).startsWith("text/plain");
        assertThat(received.trailers().first("x-trailer")).isEqualTo("done");
        FinchEvent.RequestStop stop = events.of(FinchEvent.RequestStop.class).get(0);
        assertThat(stop.status()).isEqualTo(200);
        assertThat(stop.durationNanos()).isPositive().isGreaterThanOrEqualTo(received.durationNanos());
    }

    @Test
    void failedConnectEndsWithConnectStopAndRequestException() throws Exception {
        Recorder events = new Recorder();
        try (FinchClient client = FinchClient.builder().listener(events).build()) {
            assertThatThrownBy(() -> client.request(Request.get("http://127.0.0.1:1/")));
        }

        assertThat(events.names())
                .containsExactly(
                        "RequestStart", "QueueStart", "QueueStop", "ConnectStart", "ConnectStop", "RequestException");
        assertThat(events.of(FinchEvent.ConnectStop.class).get(0).error()).isNotNull();
    }

    @Test
    void poolTimeoutEndsWithQueueExceptionAndRequestException() throws Exception {
        Recorder events = new Recorder();
        try (FinchClient client = FinchClient.builder()
                .defaultPool(PoolConfig.builder().size(1).build())
                .listener(events)
                .build()) {
            CompletableFuture<?> holder = client.requestAsync(Request.get(base + "/slow/1000"));
            events.await(FinchEvent.SendStop.class, e -> true, Duration.ofSeconds(10));
            Request second = Request.get(base + "/bytes/1");
            events.clear();

            assertThatThrownBy(() -> client.request(
                            second,
                            RequestOptions.builder()
                                    .poolTimeout(Duration.ofMillis(50))
                                    .build()))
                    .isInstanceOf(FinchException.class);
            holder.join();
        }

        List<FinchEvent> forSecond = events.events().stream()
                .filter(e -> !(e instanceof FinchEvent.RecvStop) && !(e instanceof FinchEvent.RequestStop))
                .toList();
        assertThat(forSecond.stream().map(e -> e.getClass().getSimpleName()))
                .containsExactly("RequestStart", "QueueStart", "QueueException", "RequestException");
        FinchEvent.QueueException queue =
                events.of(FinchEvent.QueueException.class).get(0);
        assertThat(queue.error()).isInstanceOf(FinchException.class);
        assertThat(queue.durationNanos())
                .isGreaterThanOrEqualTo(Duration.ofMillis(50).toNanos());
    }

    @Test
    void aListenerThatThrowsNeverBreaksARequestAndIsCounted() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        FinchListener broken = event -> {
            calls.incrementAndGet();
            throw new IllegalStateException("listener bug");
        };
        try (FinchClient client = FinchClient.builder().listener(broken).build()) {
            assertThat(client.request(Request.get(base + "/bytes/5")).status()).isEqualTo(200);

            assertThat(client.listenerFailures()).isEqualTo(calls.get()).isEqualTo(10);
        }
    }

    @Test
    void allCallsEveryListenerEvenWhenOneThrows() throws Exception {
        Recorder events = new Recorder();
        FinchListener broken = event -> {
            throw new IllegalStateException("listener bug");
        };
        try (FinchClient client = FinchClient.builder()
                .listener(FinchListener.all(broken, events))
                .build()) {
            client.request(Request.get(base + "/bytes/5"));

            assertThat(events.names()).hasSize(10);
            assertThat(client.listenerFailures()).isEqualTo(10);
        }
    }

    @Test
    void http2RequestEmitsTheSameRequestEventsAndConnectionEventsFromItsThread() throws Exception {
        Recorder events = new Recorder();
        try (JettyServer h2c = JettyServer.h2c();
                FinchClient client = FinchClient.builder()
                        .defaultPool(PoolConfig.builder()
                                .protocols(dev.finch.conn.Protocol.HTTP2)
                                .build())
                        .listener(events)
                        .build()) {
            client.request(Request.get(h2c.baseUrl() + "/bytes/5"));
            events.clear();
            client.request(Request.get(h2c.baseUrl() + "/bytes/5"));
        }

        assertThat(events.names())
                .containsExactly(
                        "RequestStart",
                        "QueueStart",
                        "QueueStop",
                        "SendStart",
                        "SendStop",
                        "RecvStart",
                        "RecvStop",
                        "RequestStop");
    }

    @Test
    void withoutAListenerTelemetryIsOff() {
        assertThat(Telemetry.of(FinchListener.NONE).enabled()).isFalse();
        assertThat(Telemetry.of(event -> {}).enabled()).isTrue();
    }

    @Test
    void asyncRequestEventsComeFromTheExecutorThread() throws Exception {
        Recorder events = new Recorder();
        try (FinchClient client = FinchClient.builder().listener(events).build()) {
            client.requestAsync(Request.get(base + "/bytes/5")).join();
            Await.until(
                    () -> events.of(FinchEvent.RequestStop.class).size() == 1,
                    Duration.ofSeconds(5),
                    "the request to stop");
        }

        assertThat(events.names()).first().isEqualTo("RequestStart");
        assertThat(events.names()).last().isEqualTo("RequestStop");
    }
}

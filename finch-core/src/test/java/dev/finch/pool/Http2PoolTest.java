package dev.finch.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.AsyncRef;
import dev.finch.Body;
import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import dev.finch.RequestOptions;
import dev.finch.Response;
import dev.finch.Step;
import dev.finch.StreamPart;
import dev.finch.client.Await;
import dev.finch.client.CollectingHandler;
import dev.finch.client.Recorder;
import dev.finch.conn.ConnectOptions;
import dev.finch.conn.Http2Options;
import dev.finch.conn.Protocol;
import dev.finch.http.TransportException;
import dev.finch.telemetry.FinchEvent;
import dev.finch.testing.JettyServer;
import dev.finch.testing.TestRoutes;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http2.server.AbstractHTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.Content;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP/2 pool against Jetty's h2c: multiplexing, stream limits, halts, timeouts, cancel, ping, back-pressure. */
class Http2PoolTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final PoolConfig H2 = PoolConfig.builder()
            .protocols(Protocol.HTTP2)
            .startPoolMetrics(true)
            .build();

    private final Recorder events = new Recorder();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private JettyServer server;
    private FinchClient client;
    private String base;

    @AfterEach
    void stop() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private void start(JettyServer s, PoolConfig config) {
        server = s;
        base = s.baseUrl();
        client = FinchClient.builder().defaultPool(config).listener(events).build();
        resources.add(s);
        resources.add(client);
    }

    private Http2PoolMetrics metrics() {
        return client.poolStatus(PoolKey.of(base))
                .map(l -> (Http2PoolMetrics) l.get(0))
                .orElse(new Http2PoolMetrics(1, "none", 0, 0, 0, 0));
    }

    @Test
    void requestsGoOverH2cWithPathQueryAndBodies() throws Exception {
        start(JettyServer.h2c(), H2);

        Response r = client.request(Request.get(base + "/echo?x=%20y"));
        Response post = client.request(Request.post(base + "/echo", Body.of("hello h2")));
        Response big = client.request(Request.get(base + "/bytes/1000000"));
        Response trailers = client.request(Request.get(base + "/trailers"));

        assertThat(r.header("x-echo-protocol")).isEqualTo("HTTP/2.0");
        assertThat(r.header("x-echo-uri")).isEqualTo("/echo?x=%20y");
        assertThat(post.bodyText()).isEqualTo("hello h2");
        assertThat(big.body()).isEqualTo(TestRoutes.bytes(1_000_000));
        assertThat(trailers.trailers().first("x-trailer")).isEqualTo("done");
    }

    @Test
    void hundredsOfConcurrentCallersShareOneConnection() throws Exception {
        start(JettyServer.h2c(), H2);
        int callers = 200;
        ExecutorService threads = Executors.newFixedThreadPool(callers);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                int caller = c;
                results.add(threads.submit(() -> {
                    go.await();
                    int ok = 0;
                    for (int i = 0; i < 5; i++) {
                        Response r = client.request(Request.get(base + "/echo?c=" + caller + "&i=" + i));
                        ok += r.header("x-echo-uri").equals("/echo?c=" + caller + "&i=" + i) ? 1 : 0;
                    }
                    return ok;
                }));
            }
            go.countDown();
            int ok = 0;
            for (Future<Integer> f : results) {
                ok += f.get(60, TimeUnit.SECONDS);
            }

            assertThat(ok).isEqualTo(callers * 5);
        } finally {
            threads.shutdownNow();
        }
        assertThat(events.of(FinchEvent.ConnectStart.class)).hasSize(1);
        // Metrics are published by the connection thread after each round of work: they settle a moment later.
        Await.until(() -> metrics().inFlightRequests() == 0, WAIT, "no stream in flight");
    }

    @Test
    void requestsBeyondMaxConcurrentStreamsWaitInsteadOfFailing() throws Exception {
        JettyServer s = JettyServer.h2c();
        for (var factory : s.server().getConnectors()[0].getConnectionFactories()) {
            if (factory instanceof AbstractHTTP2ServerConnectionFactory h2) {
                h2.setMaxConcurrentStreams(2); // read when a connection opens: ours has not yet
            }
        }
        start(
                s,
                H2.toBuilder()
                        .http2(PoolConfig.Http2Config.builder()
                                .waitForServerSettings(true)
                                .build())
                        .build());
        List<CompletableFuture<Response>> all = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            all.add(client.requestAsync(Request.get(base + "/slow/300")));
        }

        Await.until(
                () -> metrics().maxConcurrentStreams() == 2
                        && metrics().inFlightRequests() == 2
                        && metrics().waitingRequests() > 0,
                WAIT,
                "two streams in flight and the others waiting (finch#164)");
        for (CompletableFuture<Response> f : all) {
            assertThat(f.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        }
    }

    @Test
    void streamWhileHaltResetsTheStreamAndKeepsTheConnection() throws Exception {
        start(JettyServer.h2c(), H2);

        int pieces = client.streamWhile(
                Request.get(base + "/chunked/10000000"),
                0,
                (part, n) -> part instanceof StreamPart.Data ? Step.halt(n + 1) : Step.cont(n));

        assertThat(pieces).isEqualTo(1);
        assertThat(client.request(Request.get(base + "/bytes/10")).status()).isEqualTo(200);
        assertThat(events.of(FinchEvent.ConnectStart.class)).hasSize(1);
        Await.until(() -> metrics().inFlightRequests() == 0, WAIT, "the reset stream to leave");
    }

    @Test
    void completedResponsesGiveEveryByteOfWindowBack() throws Exception {
        start(
                JettyServer.h2c(),
                H2.toBuilder().connectOptions(smallConnectionWindow()).build());
        RequestOptions quick =
                RequestOptions.builder().receiveTimeout(Duration.ofSeconds(5)).build();

        // 100 responses of 20 KB: under the credit batch each, 2 MB in all against a 256 KiB connection window.
        for (int i = 0; i < 100; i++) {
            assertThat(client.request(Request.get(base + "/bytes/20000"), quick).body())
                    .hasSize(20_000);
        }
    }

    private static ConnectOptions smallConnectionWindow() {
        return ConnectOptions.builder()
                .http2(Http2Options.builder().connectionWindowSize(256 * 1024).build())
                .build();
    }

    @Test
    void haltedResponsesGiveTheirUnreadWindowBack() throws Exception {
        // A small connection window (256 KiB) that halted responses would use up for good if the bytes delivered to
        // them but never read were not credited back.
        start(
                JettyServer.h2c(),
                H2.toBuilder().connectOptions(smallConnectionWindow()).build());
        RequestOptions quick =
                RequestOptions.builder().receiveTimeout(Duration.ofSeconds(5)).build();

        for (int i = 0; i < 40; i++) {
            client.streamWhile(
                    Request.get(base + "/bytes/2000000"),
                    0,
                    (part, n) -> part instanceof StreamPart.Data ? Step.halt(n) : Step.cont(n),
                    quick);
        }

        assertThat(client.request(Request.get(base + "/bytes/3000000"), quick).body())
                .hasSize(3_000_000);
        assertThat(events.of(FinchEvent.ConnectStart.class)).hasSize(1);
    }

    @Test
    void requestTimeoutResetsTheStreamOnHttp2() throws Exception {
        start(JettyServer.h2c(), H2);
        RequestOptions options =
                RequestOptions.builder().requestTimeout(Duration.ofMillis(200)).build();

        long start = System.nanoTime();
        assertThatThrownBy(() -> client.request(Request.get(base + "/slow/5000"), options))
                .isInstanceOfSatisfying(FinchException.class, e -> assertThat(e.reason())
                        .isEqualTo(FinchException.Reason.REQUEST_TIMEOUT));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        Await.until(() -> metrics().inFlightRequests() == 0, WAIT, "the stream to be reset");
        assertThat(client.request(Request.get(base + "/bytes/1")).status()).isEqualTo(200);
        assertThat(events.of(FinchEvent.ConnectStart.class)).hasSize(1);
    }

    @Test
    void receiveTimeoutBoundsEachWaitOnHttp2() throws Exception {
        start(JettyServer.h2c(), H2);
        RequestOptions options =
                RequestOptions.builder().receiveTimeout(Duration.ofMillis(200)).build();

        assertThatThrownBy(() -> client.request(Request.get(base + "/slow/5000"), options))
                .isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.reason())
                        .isEqualTo(TransportException.Reason.TIMEOUT));
    }

    @Test
    void cancelResetsAnAsyncRequestOnHttp2() throws Exception {
        start(JettyServer.h2c(), H2);
        CollectingHandler handler = new CollectingHandler();
        AsyncRef ref = client.asyncRequest(Request.get(base + "/slow/30000"), handler);
        Await.until(() -> metrics().inFlightRequests() == 1, WAIT, "the stream to start");

        client.cancel(ref);

        assertThat(handler.ended().await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(handler.error()).isInstanceOfSatisfying(FinchException.class, e -> assertThat(e.reason())
                .isEqualTo(FinchException.Reason.CANCELLED));
        Await.until(() -> metrics().inFlightRequests() == 0, WAIT, "the stream to be reset");
    }

    @Test
    void pingMeasuresTheRoundTrip() throws Exception {
        start(JettyServer.h2c(), H2);
        client.request(Request.get(base + "/bytes/1"));

        Duration rtt = client.ping(PoolKey.of(base));

        assertThat(rtt).isPositive().isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void streamedUploadIsSentWithinTheWindows() throws Exception {
        start(JettyServer.h2c(), H2);
        byte[] big = TestRoutes.bytes(10_000_000); // beyond the 64 KiB initial windows many times over

        Response r = client.request(Request.post(base + "/digest", Body.of(new ByteArrayInputStream(big))));

        assertThat(r.bodyText())
                .isEqualTo(big.length + " "
                        + HexFormat.of()
                                .formatHex(MessageDigest.getInstance("SHA-256").digest(big)));
    }

    @Test
    void aConsumerThatStopsReadingStopsTheServer() throws Exception {
        int total = 64 * 1024 * 1024;
        AtomicLong written = new AtomicLong();
        JettyServer s = JettyServer.builder()
                .http2()
                .handler((request, response, callback) -> {
                    byte[] chunk = new byte[64 * 1024];
                    response.setStatus(200);
                    for (int sent = 0; sent < total; sent += chunk.length) {
                        // Blocks while the client's flow-control window is closed.
                        Content.Sink.write(response, false, ByteBuffer.wrap(chunk));
                        written.addAndGet(chunk.length);
                    }
                    response.write(true, ByteBuffer.allocate(0), callback);
                    return true;
                })
                .start();
        start(s, H2);
        CountDownLatch resume = new CountDownLatch(1);
        CompletableFuture<Long> read = CompletableFuture.supplyAsync(() -> {
            try {
                return client.stream(Request.get(base + "/"), 0L, (part, n) -> {
                    if (part instanceof StreamPart.Data d) {
                        if (n == 0) {
                            await(resume); // the consumer stops after its first piece
                        }
                        return n + d.bytes().length;
                    }
                    return n;
                });
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });

        Await.until(() -> written.get() > 0, WAIT, "the server to start writing");
        long stalledAt = stableValue(written);
        // The server can send no more than the stream window (4 MiB) plus what sits in socket buffers (finch#282).
        assertThat(stalledAt).isLessThan(16L * 1024 * 1024);

        resume.countDown();
        assertThat(read.get(60, TimeUnit.SECONDS)).isEqualTo((long) total);
    }

    /** Waits until the counter stops moving (no change for 300 ms), bounded; returns its value. */
    private static long stableValue(AtomicLong counter) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        long last = -1;
        long since = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long now = counter.get();
            if (now != last) {
                last = now;
                since = System.nanoTime();
            } else if (System.nanoTime() - since > TimeUnit.MILLISECONDS.toNanos(300)) {
                return now;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        return counter.get();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

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
import dev.finch.codec.http2.ErrorCode;
import dev.finch.codec.http2.Frame;
import dev.finch.codec.http2.Settings;
import dev.finch.conn.Protocol;
import dev.finch.conn.RequestBody;
import dev.finch.http.HttpHeaders;
import dev.finch.telemetry.FinchEvent;
import dev.finch.telemetry.Telemetry;
import dev.finch.testing.H2Peer;
import dev.finch.testing.JettyServer;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP/2 connection's life in the pool: waiting for SETTINGS, pings without pongs, GOAWAY with requests in flight,
 * connection age, failed connects. Scripted servers ({@link H2Peer}) play the misbehaving parts.
 */
class Http2LifecycleTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final Recorder events = new Recorder();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private FinchClient client;

    @AfterEach
    void stop() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private <T extends AutoCloseable> T use(T r) {
        resources.add(r);
        return r;
    }

    private FinchClient client(PoolConfig.Http2Config h2) {
        client = use(FinchClient.builder()
                .defaultPool(PoolConfig.builder()
                        .protocols(Protocol.HTTP2)
                        .startPoolMetrics(true)
                        .http2(h2)
                        .build())
                .listener(events)
                .build());
        return client;
    }

    private static String url(H2Peer peer) {
        return "http://127.0.0.1:" + peer.port() + "/";
    }

    private Http2PoolMetrics metrics(String url) {
        return client.poolStatus(PoolKey.of(url))
                .map(l -> (Http2PoolMetrics) l.get(0))
                .orElse(new Http2PoolMetrics(1, "none", 0, 0, 0, 0));
    }

    @Test
    void waitForServerSettingsHoldsRequestsUntilTheSettingsArrive() throws Exception {
        CountDownLatch sendSettings = new CountDownLatch(1);
        H2Peer peer = use(H2Peer.start(c -> {
            c.readPreface();
            sendSettings.await(10, TimeUnit.SECONDS);
            c.send(new Frame.Settings(false, Settings.EMPTY), new Frame.Settings(true, Settings.EMPTY));
            H2Peer.Headers request = c.await(H2Peer.Headers.class);
            c.respond(request.streamId(), 200, "ready");
            c.readUntilClose();
        }));
        client(PoolConfig.Http2Config.builder().waitForServerSettings(true).build());

        CompletableFuture<Response> response = client.requestAsync(Request.get(url(peer)));
        Await.until(() -> metrics(url(peer)).waitingRequests() == 1, WAIT, "the request to wait");
        assertThat(metrics(url(peer)).state()).isEqualTo("connecting");

        sendSettings.countDown();

        assertThat(response.get(10, TimeUnit.SECONDS).bodyText()).isEqualTo("ready");
        assertThat(metrics(url(peer)).state()).isEqualTo("connected");
    }

    @Test
    void waitForServerSettingsFailsWithConnectionNotReadyAtThePoolTimeout() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        H2Peer peer = use(H2Peer.start(c -> {
            c.readPreface();
            done.await(10, TimeUnit.SECONDS); // never sends SETTINGS
        }));
        resources.add(done::countDown);
        client(PoolConfig.Http2Config.builder().waitForServerSettings(true).build());
        RequestOptions quick =
                RequestOptions.builder().poolTimeout(Duration.ofMillis(200)).build();

        assertThatThrownBy(() -> client.request(Request.get(url(peer)), quick))
                .isInstanceOfSatisfying(FinchException.class, e -> assertThat(e.reason())
                        .isEqualTo(FinchException.Reason.CONNECTION_NOT_READY));
    }

    @Test
    void aPingWithoutPongClosesTheConnectionAndTheNextRequestReconnects() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        H2Peer peer = use(H2Peer.start(c -> {
            int n = connections.incrementAndGet();
            c.handshake(Settings.EMPTY);
            if (n == 1) {
                c.readUntilClose(); // never answers a PING (nor the request): a dead peer behind a live socket
                return;
            }
            H2Peer.Headers request = c.await(H2Peer.Headers.class);
            c.respond(request.streamId(), 200, "second");
            c.readUntilClose();
        }));
        client(PoolConfig.Http2Config.builder()
                .pingInterval(Duration.ofMillis(100))
                .pingTimeout(Duration.ofMillis(200))
                .build());

        assertThatThrownBy(() -> client.request(Request.get(url(peer))))
                .isInstanceOfSatisfying(FinchException.class, e -> {
                    assertThat(e.reason()).isEqualTo(FinchException.Reason.DISCONNECTED);
                    assertThat(e).hasCauseInstanceOf(FinchException.class);
                    assertThat(((FinchException) e.getCause()).reason()).isEqualTo(FinchException.Reason.PING_TIMEOUT);
                });

        assertThat(client.request(Request.get(url(peer))).bodyText()).isEqualTo("second");
        assertThat(connections).hasValue(2);
    }

    @Test
    void goAwayWithRequestsInFlightLosesNone() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        H2Peer peer = use(H2Peer.start(c -> {
            int n = connections.incrementAndGet();
            c.handshake(Settings.EMPTY);
            if (n == 1) {
                List<Integer> streams = new ArrayList<>();
                while (streams.size() < 3) {
                    streams.add(c.await(H2Peer.Headers.class).streamId());
                }
                // Only the first was processed: the others are above last-stream-id (RFC 9113 §6.8).
                c.send(new Frame.GoAway(streams.get(0), ErrorCode.NO_ERROR.code(), new byte[0]));
                c.respond(streams.get(0), 200, "first connection");
                c.readUntilClose();
                return;
            }
            for (int i = 0; i < 2; i++) {
                c.respond(c.await(H2Peer.Headers.class).streamId(), 200, "fresh connection");
            }
            c.readUntilClose();
        }));
        client(PoolConfig.Http2Config.defaults());
        List<CompletableFuture<Response>> all = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            all.add(client.requestAsync(Request.get(url(peer) + "?" + i)));
        }

        List<String> bodies = new ArrayList<>();
        for (CompletableFuture<Response> f : all) {
            bodies.add(f.get(10, TimeUnit.SECONDS).bodyText());
        }

        assertThat(bodies).containsExactlyInAnyOrder("first connection", "fresh connection", "fresh connection");
        assertThat(connections).hasValue(2);
    }

    @Test
    void connectionAgeDrainsTheOldConnectionWithRequestsInFlightAndLosesNone() throws Exception {
        JettyServer server = use(JettyServer.h2c());
        client(PoolConfig.Http2Config.builder()
                .maxConnectionAge(Duration.ofMillis(300))
                .maxConnectionAgeJitter(Duration.ofMillis(50))
                .build());
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                results.add(threads.submit(() -> {
                    int ok = 0;
                    for (int i = 0; i < 8; i++) { // about 1.6 s of requests, across several connection ages
                        ok += client.request(Request.get(server.baseUrl() + "/slow/200"))
                                                .status()
                                        == 200
                                ? 1
                                : 0;
                    }
                    return ok;
                }));
            }
            int ok = 0;
            for (Future<Integer> f : results) {
                ok += f.get(60, TimeUnit.SECONDS);
            }

            assertThat(ok).isEqualTo(64);
        } finally {
            threads.shutdownNow();
        }
        assertThat(events.of(FinchEvent.ConnectionAgeReached.class)).isNotEmpty();
        assertThat(events.of(FinchEvent.ConnectStart.class).size()).isGreaterThanOrEqualTo(2);
        assertThat(events.of(FinchEvent.RequestException.class)).isEmpty();
    }

    @Test
    void connectionsWeRetireForTheirAgeNeverCountAsTheServerClosingNewConnections() throws Exception {
        // Ages shorter than the reconnect backoff minimum: each fresh connection is retired unused before 500 ms.
        JettyServer server = use(JettyServer.h2c());
        client(PoolConfig.Http2Config.builder()
                .maxConnectionAge(Duration.ofMillis(60))
                .reconnectBackoff(Duration.ofMillis(500), Duration.ofSeconds(1))
                .build());
        assertThat(client.request(Request.get(server.baseUrl() + "/echo")).status())
                .isEqualTo(200);

        Await.until(
                () -> events.of(FinchEvent.ConnectionAgeReached.class).size() >= 4,
                WAIT,
                "four connections to reach their age unused");

        assertThat(client.request(Request.get(server.baseUrl() + "/echo")).status())
                .isEqualTo(200);
        assertThat(events.of(FinchEvent.Reconnect.class)).isEmpty();
    }

    @Test
    void aFailedConnectFailsFastAndRetriesOnlyWhenAskedAfterTheBackoff() throws Exception {
        int closedPort;
        try (ServerSocketChannel s = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            closedPort = s.socket().getLocalPort();
        }
        String url = "http://127.0.0.1:" + closedPort + "/";
        client(PoolConfig.Http2Config.builder()
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(200))
                .build());

        assertThatThrownBy(() -> client.request(Request.get(url)))
                .isInstanceOfSatisfying(FinchException.class, e -> assertThat(e.reason())
                        .isEqualTo(FinchException.Reason.DISCONNECTED));
        FinchEvent.Reconnect reconnect = events.await(FinchEvent.Reconnect.class, r -> true, WAIT);
        assertThat(reconnect.attempt()).isEqualTo(1);
        assertThat(reconnect.delayNanos())
                .isBetween(
                        Duration.ofMillis(50).toNanos(), Duration.ofMillis(100).toNanos());
        int attempts = events.of(FinchEvent.ConnectStart.class).size();

        // Within the backoff: at once, without a new attempt.
        long start = System.nanoTime();
        assertThatThrownBy(() -> client.request(Request.get(url)))
                .isInstanceOfSatisfying(
                        FinchException.class, e -> assertThat(e.getCause()).isNotNull());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(100));
        assertThat(events.of(FinchEvent.ConnectStart.class)).hasSize(attempts);
    }

    @Test
    void aServerThatClosesEveryConnectionDoesNotMakeUsLoop() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        H2Peer peer = use(H2Peer.start(c -> {
            connections.incrementAndGet();
            c.handshake(Settings.EMPTY);
            c.send(new Frame.GoAway(0, ErrorCode.NO_ERROR.code(), new byte[0]));
            c.socket().close();
        }));
        client(PoolConfig.Http2Config.builder()
                .reconnectBackoff(Duration.ofMillis(200), Duration.ofSeconds(1))
                .build());

        for (int i = 0; i < 3; i++) {
            try {
                client.request(Request.get(url(peer)));
            } catch (java.io.IOException e) {
                // expected: the server never takes a request
            }
        }

        // Three requests, each turned away at once, cannot cause more than a handful of connects.
        assertThat(connections.get()).isLessThanOrEqualTo(4);
    }

    @Test
    void streamQueuedAfterTheConnectionThreadsLastDrainFailsAtOnceAsRetriable() throws Exception {
        JettyServer server = use(JettyServer.h2c());
        PoolConfig config = PoolConfig.builder().protocols(Protocol.HTTP2).build();
        Pool pool = Pool.start(
                PoolKey.of(server.baseUrl()), config, new PoolContext(Telemetry.NONE, Ticker.SYSTEM), false, null);
        Request request = Request.get(server.baseUrl() + "/bytes/1");
        Http2Shard shard = (Http2Shard) pool.select(request, null);
        // Passed open()'s checks; the pool stops and its thread ends before the stream is queued.
        shard.beforeQueueing = () -> {
            pool.stop(FinchException.Reason.POOL_STOPPED);
            Await.until(shard::isDrained, WAIT, "the connection thread to end");
        };

        assertThatThrownBy(() -> shard.open(request, "GET", "/bytes/1", HttpHeaders.EMPTY, RequestBody.none(), true))
                .isInstanceOfSatisfying(FinchException.class, e -> assertThat(e.reason())
                        .isEqualTo(FinchException.Reason.POOL_STOPPED));
        assertThat(shard.incoming).isEmpty();
    }

    @Test
    void connectionWithoutAnAgeLimitIsKeptWhenTheTickerIsNegative() throws Exception {
        JettyServer server = use(JettyServer.h2c());
        long origin = System.nanoTime();
        client = use(FinchClient.builder()
                .defaultPool(PoolConfig.builder().protocols(Protocol.HTTP2).build())
                .ticker(() -> Long.MIN_VALUE / 2 + (System.nanoTime() - origin)) // a user's ticker: any origin
                .listener(events)
                .build());

        for (int i = 0; i < 3; i++) {
            assertThat(client.request(Request.get(server.baseUrl() + "/bytes/1"))
                            .status())
                    .isEqualTo(200);
        }

        assertThat(events.of(FinchEvent.ConnectionAgeReached.class)).isEmpty();
        assertThat(events.of(FinchEvent.ConnectStart.class)).hasSize(1);
    }
}

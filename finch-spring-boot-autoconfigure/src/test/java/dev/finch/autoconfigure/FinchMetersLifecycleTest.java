package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import dev.finch.telemetry.FinchEvent;
import dev.finch.telemetry.FinchListener;
import dev.finch.testing.RawServer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Pool meters follow the pools' lives: registered on first use, removed when pool-max-idle-time or stopPool stops the
 * pool, and never left behind by an event handled while the pool stops.
 */
class FinchMetersLifecycleTest {
    private static final CountDownLatch POOL_STOPPED = new CountDownLatch(1);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    MetricsAutoConfiguration.class, FinchMetricsAutoConfiguration.class, FinchAutoConfiguration.class))
            .withUserConfiguration(Registry.class);

    private HttpServer server;
    private String url;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(204, -1);
            try (OutputStream out = exchange.getResponseBody()) {
                out.flush();
            }
        });
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    @Test
    void gaugesAppearOnFirstUseAndLeaveWhenTheIdlePoolStops() {
        runner.withPropertyValues("finch.default-pool.pool-max-idle-time=200ms").run(context -> {
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            assertThat(registry.find("finch.pool.size").gauges()).isEmpty();
            context.getBean(FinchClient.class).request(Request.get(url + "/"));
            assertThat(registry.get("finch.pool.size").tag("pool", url).gauge().value())
                    .isEqualTo(50.0);
            assertThat(registry.get("finch.queue.duration")
                            .tags("pool", url, "outcome", "success")
                            .timer()
                            .count())
                    .isEqualTo(1);
            assertThat(POOL_STOPPED.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(registry.find("finch.pool.size").tag("pool", url).gauges())
                    .isEmpty();
            assertThat(registry.find("finch.pool.connections").gauges()).isEmpty();
            // Its timers go too: the next origin can take its place under finch.metrics.max-pool-tags.
            assertThat(registry.find("finch.queue.duration").tag("pool", url).timers())
                    .isEmpty();
            assertThat(registry.find("finch.connect.duration").tag("pool", url).timers())
                    .isEmpty();
        });
    }

    @Test
    void gaugesOfAStoppedPoolAndOfDroppedShardsAreRemoved() {
        runner.withPropertyValues("finch.default-pool.count=3").run(context -> {
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            FinchClient client = context.getBean(FinchClient.class);
            client.request(Request.get(url + "/"));
            PoolKey key = PoolKey.of(url);
            assertThat(registry.find("finch.pool.size").tag("pool", url).gauges())
                    .hasSize(3);

            assertThat(client.setPoolCount(key, 1)).isTrue();
            assertThat(registry.find("finch.pool.size").tag("pool", url).gauges())
                    .hasSize(1);

            assertThat(client.stopPool(key)).isTrue();
            assertThat(registry.find("finch.pool.size").tag("pool", url).gauges())
                    .isEmpty();
        });
    }

    /**
     * stopPool lets requests in flight finish: their later events (here the RequestException of a body cut short)
     * come after PoolStopped removed the pool's meters, and must neither register them again nor take the pool's
     * place under max-pool-tags back from the origins still running.
     */
    @Test
    void aLateEventOfAStoppedPoolCountsAsOtherAndLeavesItsPlaceToARunningPool() throws Exception {
        CountDownLatch bodyStarted = new CountDownLatch(1);
        CountDownLatch cut = new CountDownLatch(1);
        RawServer.Script slowBody = conn -> {
            conn.readHead();
            conn.write("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nhalf");
            conn.out.flush();
            bodyStarted.countDown();
            cut.await(10, TimeUnit.SECONDS);
            conn.socket.close();
        };
        RawServer.Script ok = conn -> {
            conn.readHead();
            conn.write("HTTP/1.1 204 No Content\r\n\r\n");
            conn.out.flush();
            Thread.sleep(2000);
        };
        try (RawServer dying = RawServer.start(slowBody);
                RawServer other = RawServer.start(ok)) {
            String a = "http://127.0.0.1:" + dying.port();
            String b = "http://127.0.0.1:" + other.port();
            runner.withPropertyValues("finch.metrics.max-pool-tags=1").run(context -> {
                MeterRegistry registry = context.getBean(MeterRegistry.class);
                FinchClient finch = context.getBean(FinchClient.class);
                CompletableFuture<Object> inFlight = CompletableFuture.supplyAsync(() -> {
                    try {
                        return finch.request(Request.get(a + "/"));
                    } catch (Exception e) {
                        return e;
                    }
                });
                assertThat(bodyStarted.await(10, TimeUnit.SECONDS)).isTrue();
                assertThat(finch.stopPool(PoolKey.of(a))).isTrue();
                cut.countDown();
                assertThat(inFlight.get(10, TimeUnit.SECONDS)).isInstanceOf(Exception.class);

                finch.request(Request.get(b + "/"));

                assertThat(finch.poolKeys()).containsExactly(PoolKey.of(b));
                assertThat(registry.getMeters().stream()
                                .filter(m -> a.equals(m.getId().getTag("pool")))
                                .map(m -> m.getId().toString())
                                .toList())
                        .as("meters of the stopped pool %s", a)
                        .isEmpty();
                assertThat(registry.find("finch.errors")
                                .tags("pool", FinchMeters.OTHER, "phase", "request")
                                .counters())
                        .as("the late error of the stopped pool")
                        .isNotEmpty();
                assertThat(registry.find("finch.queue.duration").tag("pool", b).timers())
                        .as("the running pool gets the free place under max-pool-tags=1")
                        .isNotEmpty();
            });
        }
    }

    /**
     * FinchMeters chooses a pool's tags before it registers a timer with them, outside its lock. A stop handled in
     * between (forget: removes every meter found with the pool's tags) finds nothing yet; the timer registered just
     * after must not stay behind with the stopped pool's tags. A meter filter holds the registration of that one
     * timer until the stop event has been handled.
     */
    @Test
    void aTimerRegisteredWhileItsPoolStopsIsNotLeftBehindWithTheStoppedPoolsTags() throws Exception {
        AtomicBoolean hold = new AtomicBoolean(true);
        CountDownLatch registering = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                if (id.getName().equals("finch.queue.duration")
                        && url.equals(id.getTag("pool"))
                        && hold.compareAndSet(true, false)) {
                    registering.countDown();
                    try {
                        stopped.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return id;
            }
        });
        FinchMeters[] meters = new FinchMeters[1];
        FinchClient client =
                FinchClient.builder().listener(e -> meters[0].onEvent(e)).build();
        try {
            meters[0] = new FinchMeters(
                    new StaticListableBeanFactory(Map.of("finchClient", client)).getBeanProvider(FinchClient.class),
                    Set.of(),
                    10);
            meters[0].bindTo(registry);

            CompletableFuture<Integer> request = CompletableFuture.supplyAsync(() -> {
                try {
                    return client.request(Request.get(url + "/")).status();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            // The request's QueueStop got the pool's own tags and is registering its timer.
            assertThat(registering.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(client.stopPool(PoolKey.of(url))).isTrue(); // PoolStopped: forget(key) on this thread
            stopped.countDown();
            assertThat(request.get(10, TimeUnit.SECONDS)).isEqualTo(204);
            meters[0].refresh();

            assertThat(client.findPool(PoolKey.of(url))).isEmpty();
            assertThat(registry.find("finch.queue.duration").tag("pool", url).timers())
                    .as("meters of the stopped unconfigured pool " + url)
                    .isEmpty();
            assertThat(registry.get("finch.queue.duration")
                            .tags("pool", FinchMeters.OTHER, "outcome", "success")
                            .timer()
                            .count())
                    .as("the wait, counted as the events after a stop are")
                    .isEqualTo(1);
        } finally {
            client.close();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Registry {
        @Bean
        SimpleMeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        /** Runs after FinchMeters (order 0; beans without an order come last), so the meters are gone when it fires. */
        @Bean
        FinchListener poolStoppedLatch() {
            return event -> {
                if (event instanceof FinchEvent.PoolMaxIdleTimeExceeded) {
                    POOL_STOPPED.countDown();
                }
            };
        }
    }
}

package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.StaticListableBeanFactory;

/**
 * FinchMeters decides a pool's tags (tagsOf: "tagged.contains(key) || admit(key)") and registers the timer or counter
 * with them afterwards, outside its lock. A PoolStopped handled in between (forget: removes the pool's place and every
 * meter found with its tags) finds nothing yet, and the meter registered just after carries the stopped pool's tags
 * for good: the pool is no longer in "tagged", so neither a later forget nor refresh (which walks "tagged") removes it.
 * The window is made deterministic with a meter filter that holds the registration of that one timer until the stop
 * event has been handled.
 */
class FinchMetersForgetRaceReviewTest {
    @Test
    void aTimerRegisteredWhileItsPoolStopsIsNotLeftBehindWithTheStoppedPoolsTags() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(204, -1);
            try (OutputStream out = exchange.getResponseBody()) {
                out.flush();
            }
        });
        server.start();
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
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
        } finally {
            client.close();
            server.stop(0);
        }
    }
}

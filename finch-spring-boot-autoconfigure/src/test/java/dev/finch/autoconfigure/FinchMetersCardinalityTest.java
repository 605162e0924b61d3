package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import dev.finch.testing.JettyServer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The pool tag values of finch.* meters stay bounded without losing the configured pools: unconfigured pools beyond
 * finch.metrics.max-pool-tags are counted as pool=other, and a stopped pool takes all its meters along and frees its
 * place. Real pools against a Jetty server (and refused connections to other loopback addresses for extra origins).
 */
class FinchMetersCardinalityTest {
    private static JettyServer server;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    MetricsAutoConfiguration.class, FinchMetricsAutoConfiguration.class, FinchAutoConfiguration.class))
            .withUserConfiguration(Registry.class)
            .withPropertyValues("finch.default-pool.connect-timeout=2s");

    @BeforeAll
    static void startServer() {
        server = JettyServer.http();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    /** An origin with nothing listening: 127.0.0.n refuses at once, and each n is a pool of its own. */
    private static String refusing(int n) {
        return "http://127.0.0." + n + ":1";
    }

    private static void failingRequest(FinchClient client, String url) {
        assertThatThrownBy(() -> client.request(Request.get(url + "/"))).isInstanceOf(IOException.class);
    }

    @Test
    void configuredPoolsKeepTheirMetersWhenUnconfiguredOnesExceedTheCap() {
        runner.withPropertyValues("finch.metrics.max-pool-tags=2", "finch.pools.api.url=" + server.baseUrl())
                .run(context -> {
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    FinchClient client = context.getBean(FinchClient.class);
                    for (int n = 2; n <= 5; n++) {
                        failingRequest(client, refusing(n));
                    }
                    assertThat(client.request(Request.get(server.baseUrl() + "/bytes/3"))
                                    .status())
                            .isEqualTo(200);

                    // The configured pool: its own tags, though four other origins came first.
                    assertThat(registry.get("finch.queue.duration")
                                    .tags("pool", server.baseUrl(), "outcome", "success")
                                    .timer()
                                    .count())
                            .isEqualTo(1);
                    assertThat(registry.get("finch.pool.size")
                                    .tags("pool", server.baseUrl())
                                    .gauge()
                                    .value())
                            .isEqualTo(50.0);
                    // The first two unconfigured origins have their own; the next two are counted as "other".
                    assertThat(registry.find("finch.errors")
                                    .tags("phase", "connect")
                                    .counters())
                            .extracting(c -> c.getId().getTag("pool"))
                            .containsExactlyInAnyOrder(refusing(2), refusing(3), FinchMeters.OTHER);
                    assertThat(registry.get("finch.errors")
                                    .tags("pool", FinchMeters.OTHER, "tag", FinchMeters.OTHER, "phase", "connect")
                                    .counter()
                                    .count())
                            .isEqualTo(2.0);
                    assertThat(registry.find("finch.pool.size")
                                    .tags("pool", refusing(4))
                                    .gauges())
                            .isEmpty();
                });
    }

    @Test
    void aStoppedPoolTakesItsGaugesTimersAndCountersAlongAndFreesItsPlace() {
        runner.withPropertyValues("finch.metrics.max-pool-tags=1").run(context -> {
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            FinchClient client = context.getBean(FinchClient.class);
            String url = server.baseUrl();
            assertThat(client.request(Request.builder("GET", url + "/bytes/3")
                                    .poolTag("first")
                                    .build())
                            .status())
                    .isEqualTo(200);
            assertThat(meters(registry, url, "first"))
                    .extracting(m -> m.getId().getName())
                    .contains("finch.queue.duration", "finch.connect.duration", "finch.pool.size");
            // The cap is reached: a second origin is "other" while the first pool runs.
            failingRequest(client, refusing(2));
            assertThat(registry.find("finch.errors").tags("pool", refusing(2)).counters())
                    .isEmpty();

            assertThat(client.stopPool(PoolKey.of(url, "first"))).isTrue();
            assertThat(meters(registry, url, "first")).isEmpty();
            assertThat(client.stopPool(PoolKey.of(refusing(2)))).isTrue();

            // The freed place goes to the next origin.
            failingRequest(client, refusing(3));
            assertThat(registry.get("finch.errors")
                            .tags("pool", refusing(3), "phase", "connect")
                            .counter()
                            .count())
                    .isEqualTo(1.0);
        });
    }

    /**
     * A running pool refused a place for the cap is remembered as refused (its events then skip the lock and the pool
     * lookup) only until a place frees: its next event then takes the place.
     */
    @Test
    void aRunningPoolRefusedForTheCapTakesAPlaceThatFrees() {
        runner.withPropertyValues("finch.metrics.max-pool-tags=1").run(context -> {
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            FinchClient client = context.getBean(FinchClient.class);
            String url = server.baseUrl();
            assertThat(client.request(Request.get(url + "/bytes/3")).status()).isEqualTo(200);
            failingRequest(client, refusing(2));
            failingRequest(client, refusing(2));
            assertThat(registry.find("finch.errors").tags("pool", refusing(2)).counters())
                    .isEmpty();

            assertThat(client.stopPool(PoolKey.of(url))).isTrue();
            assertThat(client.findPool(PoolKey.of(refusing(2)))).isPresent();
            failingRequest(client, refusing(2));

            assertThat(registry.get("finch.errors")
                            .tags("pool", refusing(2), "phase", "connect")
                            .counter()
                            .count())
                    .isEqualTo(1.0);
        });
    }

    @Test
    void theCapMustBeAtLeastOne() {
        runner.withPropertyValues("finch.metrics.max-pool-tags=0")
                .run(context ->
                        assertThat(context).getFailure().rootCause().hasMessageContaining("must be at least 1"));
    }

    private static java.util.List<Meter> meters(MeterRegistry registry, String url, String tag) {
        return registry.getMeters().stream()
                .filter(m -> url.equals(m.getId().getTag("pool"))
                        && tag.equals(m.getId().getTag("tag")))
                .toList();
    }

    @Configuration(proxyBeanMethods = false)
    static class Registry {
        @Bean
        SimpleMeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }
}

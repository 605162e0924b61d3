package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import dev.finch.testing.JettyServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * An application's own FinchClient bean (the auto-configured one backs off) built with FinchClientConfigurer gets the
 * starter's pools, meters and connect-failure tracking; one built without it gets none of the starter's listeners.
 */
class FinchClientConfigurerTest {
    private static JettyServer server;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    MetricsAutoConfiguration.class, FinchMetricsAutoConfiguration.class, FinchAutoConfiguration.class))
            .withBean(SimpleMeterRegistry.class);

    @BeforeAll
    static void startServer() {
        server = JettyServer.http();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void aUserDefinedClientBuiltWithTheConfigurerGetsTheStartersMetersAndPools() {
        runner.withUserConfiguration(OwnClient.class)
                .withPropertyValues("finch.pools.api.url=" + server.baseUrl(), "finch.pools.api.size=3")
                .run(context -> {
                    assertThat(context).hasSingleBean(FinchClient.class);
                    assertThat(context.getBeanFactory()
                                    .getBeanDefinition("finchClient")
                                    .getFactoryBeanName())
                            .contains("OwnClient"); // the auto-configured client backed off
                    FinchClient client = context.getBean(FinchClient.class);
                    assertThat(client.findPool(PoolKey.of(server.baseUrl())))
                            .hasValueSatisfying(c -> assertThat(c.size()).isEqualTo(3));

                    assertThat(client.request(Request.get(server.baseUrl() + "/bytes/3"))
                                    .status())
                            .isEqualTo(200);
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    assertThat(registry.get("finch.queue.duration")
                                    .tags("pool", server.baseUrl(), "outcome", "success")
                                    .timer()
                                    .count())
                            .isEqualTo(1);
                    assertThat(registry.get("finch.pool.size")
                                    .tags("pool", server.baseUrl())
                                    .gauge()
                                    .value())
                            .isEqualTo(3.0);
                    assertThat(context.getBean(FinchConnectFailures.class).outcome(PoolKey.of(server.baseUrl())))
                            .hasValueSatisfying(o -> assertThat(o.lastSuccess()).isNotNull());
                });
    }

    @Test
    void aUserDefinedClientBuiltWithoutItGetsNoMeters() {
        runner.withUserConfiguration(PlainClient.class).run(context -> {
            FinchClient client = context.getBean(FinchClient.class);
            assertThat(client.request(Request.get(server.baseUrl() + "/bytes/3"))
                            .status())
                    .isEqualTo(200);
            assertThat(context.getBean(MeterRegistry.class)
                            .find("finch.queue.duration")
                            .timers())
                    .isEmpty();
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnClient {
        @Bean(destroyMethod = "shutdown")
        ExecutorService finchExecutor() {
            return Executors.newFixedThreadPool(4);
        }

        // tag::user-defined-client[]
        @Bean(destroyMethod = "close")
        FinchClient finchClient(FinchClientConfigurer configurer, ExecutorService finchExecutor) {
            // The finch.* properties, the starter's listeners (meters, health) and customizers (observation) ...
            return configurer
                    .configure(FinchClient.builder())
                    .asyncExecutor(finchExecutor) // ... then anything of your own.
                    .build();
        }
        // end::user-defined-client[]
    }

    @Configuration(proxyBeanMethods = false)
    static class PlainClient {
        @Bean(destroyMethod = "close")
        FinchClient finchClient() {
            return FinchClient.builder().build();
        }
    }
}

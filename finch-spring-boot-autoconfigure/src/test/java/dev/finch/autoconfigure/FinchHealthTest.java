package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import dev.finch.pool.Http2PoolMetrics;
import dev.finch.telemetry.FinchEvent;
import dev.finch.telemetry.FinchListener;
import dev.finch.testing.JettyServer;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.imperative.ImperativeHttpClientAutoConfiguration;
import org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.client.RestClient;

/** Which pools count toward health, and what an HTTP/2 pool's health is while it rotates its connection. */
class FinchHealthTest {
    private static final String REFUSING = "http://127.0.0.2:1";

    private static JettyServer h2c;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    FinchAutoConfiguration.class,
                    FinchActuatorAutoConfiguration.class,
                    HealthContributorAutoConfiguration.class))
            .withPropertyValues("finch.default-pool.connect-timeout=2s");

    @BeforeAll
    static void startServer() {
        h2c = JettyServer.h2c();
    }

    @AfterAll
    static void stopServer() {
        h2c.close();
    }

    private static Status status(CompositeHealthContributor health, String pool) {
        return ((HealthIndicator) health.getContributor(pool)).health().getStatus();
    }

    private static java.util.List<String> names(CompositeHealthContributor health) {
        return health.stream().map(CompositeHealthContributor.Entry::name).toList();
    }

    @Test
    void aFailingUnconfiguredOriginDoesNotCountTowardHealthByDefault() {
        runner.withPropertyValues("finch.pools.api.url=" + h2c.baseUrl()).run(context -> {
            FinchClient client = context.getBean(FinchClient.class);
            assertThatThrownBy(() -> client.request(Request.get(REFUSING + "/")))
                    .isInstanceOf(IOException.class);
            assertThat(client.poolKeys()).contains(PoolKey.of(REFUSING));

            FinchHealthContributor health = context.getBean(FinchHealthContributor.class);
            assertThat(names(health)).containsExactly("api");
            assertThat(health.getContributor("http-127.0.0.2-1")).isNull();
            assertThat(status(health, "api")).isEqualTo(Status.UP);
        });
    }

    @Test
    void unconfiguredOriginsCountWhenTheApplicationAsks() {
        runner.withPropertyValues("finch.pools.api.url=" + h2c.baseUrl(), "finch.health.include-default-pools=true")
                .run(context -> {
                    FinchClient client = context.getBean(FinchClient.class);
                    assertThatThrownBy(() -> client.request(Request.get(REFUSING + "/")))
                            .isInstanceOf(IOException.class);

                    FinchHealthContributor health = context.getBean(FinchHealthContributor.class);
                    assertThat(names(health)).containsExactly("api", "http-127.0.0.2-1");
                    assertThat(status(health, "http-127.0.0.2-1")).isEqualTo(Status.DOWN);
                });
    }

    /**
     * With spring.http.clients.connect-timeout, RestClient traffic to a configured origin runs on a settings pool of
     * that origin: listed next to it while it runs, so that its failures reach health.
     */
    @Test
    void aSettingsPoolOfAConfiguredOriginCountsTowardHealthAndGoesDownWhenItsConnectsFail() {
        runner.withConfiguration(AutoConfigurations.of(
                        FinchRestClientAutoConfiguration.class,
                        HttpClientAutoConfiguration.class,
                        ImperativeHttpClientAutoConfiguration.class,
                        RestClientAutoConfiguration.class))
                .withPropertyValues("finch.pools.api.url=" + REFUSING, "spring.http.clients.connect-timeout=1s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    RestClient rest = context.getBean(RestClient.Builder.class)
                            .baseUrl(REFUSING)
                            .build();
                    for (int i = 0; i < 3; i++) {
                        assertThatThrownBy(() -> rest.get().uri("/").retrieve().toBodilessEntity());
                    }

                    FinchHealthContributor health = context.getBean(FinchHealthContributor.class);
                    assertThat(names(health)).containsExactly("api", "api-spring-connect-PT1S");
                    assertThat(status(health, "api-spring-connect-PT1S")).isEqualTo(Status.DOWN);

                    context.getBean(FinchClient.class).stopPool(PoolKey.of(REFUSING, "spring-connect-PT1S"));
                    assertThat(names(health)).containsExactly("api");
                });
    }

    @Test
    void anHttp2PoolRotatingItsConnectionForMaxConnectionAgeStaysUp() {
        runner.withUserConfiguration(RotationProbe.class)
                .withPropertyValues(
                        "finch.pools.h2.url=" + h2c.baseUrl(),
                        "finch.pools.h2.protocols=http2",
                        "finch.pools.h2.http2.max-connection-age=600ms")
                .run(context -> {
                    FinchClient client = context.getBean(FinchClient.class);
                    FinchHealthContributor health = context.getBean(FinchHealthContributor.class);
                    RotationProbe probe = context.getBean(RotationProbe.class);
                    assertThat(client.request(Request.get(h2c.baseUrl() + "/bytes/3"))
                                    .status())
                            .isEqualTo(200);
                    assertThat(status(health, "h2")).isEqualTo(Status.UP);

                    // The connection ages out; while the shard opens its replacement, the pool is still UP.
                    assertThat(probe.replacing.await(10, TimeUnit.SECONDS)).isTrue();
                    assertThat(probe.stateWhileReplacing).isEqualTo("connecting");
                    assertThat(probe.healthWhileReplacing).isEqualTo(Status.UP);
                    assertThat(client.request(Request.get(h2c.baseUrl() + "/bytes/3"))
                                    .status())
                            .isEqualTo(200);
                    assertThat(status(health, "h2")).isEqualTo(Status.UP);
                });
    }

    @Test
    void anHttp2PoolWhoseConnectingFailsIsDown() {
        runner.withPropertyValues("finch.pools.h2.url=" + REFUSING, "finch.pools.h2.protocols=http2")
                .run(context -> {
                    FinchClient client = context.getBean(FinchClient.class);
                    assertThatThrownBy(() -> client.request(Request.get(REFUSING + "/")))
                            .isInstanceOf(IOException.class);
                    FinchHealthContributor health = context.getBean(FinchHealthContributor.class);
                    String state = awaitState(client, PoolKey.of(REFUSING), "disconnected");
                    assertThat(state).isEqualTo("disconnected");
                    assertThat(status(health, "h2")).isEqualTo(Status.DOWN);
                });
    }

    /** The shard's state once it is {@code wanted}, or the last one seen after a bounded wait. */
    private static String awaitState(FinchClient client, PoolKey key, String wanted) throws InterruptedException {
        String state = null;
        for (int i = 0; i < 200; i++) {
            state = client.poolStatus(key)
                    .map(shards -> ((Http2PoolMetrics) shards.get(0)).state())
                    .orElse(null);
            if (wanted.equals(state)) {
                return state;
            }
            Thread.sleep(25);
        }
        return state;
    }

    /**
     * Reads the pool's health on the connection thread as it starts replacing a connection that aged out: a
     * deterministic look at the moment between the two connections.
     */
    @Configuration(proxyBeanMethods = false)
    static class RotationProbe {
        final CountDownLatch replacing = new CountDownLatch(1);
        volatile boolean aged;
        volatile String stateWhileReplacing;
        volatile Status healthWhileReplacing;

        @Bean
        FinchListener rotationProbe(ObjectProvider<FinchClient> client, ObjectProvider<FinchHealthContributor> health) {
            return event -> {
                if (event instanceof FinchEvent.ConnectionAgeReached) {
                    aged = true;
                } else if (event instanceof FinchEvent.ConnectStart start && aged && replacing.getCount() > 0) {
                    PoolKey key = FinchConnectFailures.key(start.pool());
                    stateWhileReplacing = client.getObject()
                            .poolStatus(key)
                            .map(shards -> ((Http2PoolMetrics) shards.get(0)).state())
                            .orElse(null);
                    healthWhileReplacing = status(health.getObject(), "h2");
                    replacing.countDown();
                }
            };
        }
    }
}

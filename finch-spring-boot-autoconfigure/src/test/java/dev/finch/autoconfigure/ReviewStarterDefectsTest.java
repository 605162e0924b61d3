package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import dev.finch.testing.RawServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.imperative.ImperativeHttpClientAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.client.RestClient;

/** Defects found in review of the starter (rev-starter). Each test fails against the reviewed code. */
class ReviewStarterDefectsTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    FinchAutoConfiguration.class,
                    FinchRestClientAutoConfiguration.class,
                    SslAutoConfiguration.class,
                    HttpClientAutoConfiguration.class,
                    ImperativeHttpClientAutoConfiguration.class,
                    RestClientAutoConfiguration.class));

    /**
     * Issue 5: "A wrong value fails start-up with a message naming the property". An http pool limited to HTTP/2
     * behind a forward proxy is refused by FinchClient.Builder.build() with an IllegalArgumentException that names
     * the pool key ("pools[http://api.example.com:80]") and Finch's builder field names, never
     * finch.pools.api.protocols.
     */
    @Test
    void http2OnlyPoolBehindProxyFailsStartupWithoutNamingTheProperty() {
        runner.withPropertyValues(
                        "finch.pools.api.url=http://api.example.com",
                        "finch.pools.api.protocols=http2",
                        "finch.pools.api.proxy.url=http://proxy.example:3128")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                        .hasMessageContaining("finch.pools.api."));
    }

    /**
     * SettingsPools starts one pool per origin through FinchClient.startPool, which remembers the configuration of
     * every key it started for good (FinchClient.configs). Those pools stop with pool-max-idle-time, but their
     * remembered configurations never go: with spring.http.clients.connect-timeout set (common), every distinct origin
     * a RestClient ever called keeps a PoolConfig (with its TLS options) in the client, an unbounded growth for apps
     * that call many hosts (webhooks, per-tenant URLs). Origins reached without the settings leave nothing behind.
     */
    @Test
    void settingsPoolsRetainAConfigurationPerOriginForeverAfterTheirPoolsStop() throws Exception {
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                ports.add(s.getLocalPort()); // closed again: connects are refused, but the pool starts first
            }
        }
        runner.withPropertyValues(
                        "finch.default-pool.pool-max-idle-time=100ms", "spring.http.clients.connect-timeout=2s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    FinchClient finch = context.getBean(FinchClient.class);
                    RestClient rest = context.getBean(RestClient.Builder.class).build();
                    for (int port : ports) {
                        assertThatThrownBy(() -> rest.get()
                                .uri("http://127.0.0.1:" + port + "/")
                                .retrieve()
                                .toBodilessEntity());
                    }
                    // pool-max-idle-time stops every one of them
                    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                    while (!finch.poolKeys().isEmpty() && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                    assertThat(finch.poolKeys()).isEmpty();
                    List<PoolKey> retained = new ArrayList<>();
                    for (int port : ports) {
                        PoolKey key = PoolKey.of("http://127.0.0.1:" + port, "spring-connect-PT2S");
                        if (finch.poolConfigFor(key) != finch.defaultPoolConfig()) {
                            retained.add(key);
                        }
                    }
                    assertThat(retained)
                            .as("configurations kept by the client for settings pools that stopped")
                            .isEmpty();
                });
    }

    /**
     * FinchMeters.forget runs on PoolStopped, but FinchClient.stopPool lets requests in flight finish: their later
     * events (here the RequestException of a body cut short) go through tagsOf -> admit, which re-admits the stopped
     * pool, registers finch.errors{pool=<dead pool>} and takes a place under finch.metrics.max-pool-tags for good.
     * Nothing cleans it up (refresh only runs when a pool with a free place lacks gauges), so every later origin is
     * reported as pool=other while the dead pool keeps its meter.
     */
    @Test
    void aLateEventOfAStoppedPoolReAdmitsItAndKeepsItsMetersAndCapPlaceForever() throws Exception {
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
            new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(
                            MetricsAutoConfiguration.class,
                            FinchMetricsAutoConfiguration.class,
                            FinchAutoConfiguration.class))
                    .withUserConfiguration(Registry.class)
                    .withPropertyValues("finch.metrics.max-pool-tags=1")
                    .run(context -> {
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
                        org.assertj.core.api.SoftAssertions soft = new org.assertj.core.api.SoftAssertions();
                        soft.assertThat(registry.getMeters().stream()
                                        .filter(m -> a.equals(m.getId().getTag("pool")))
                                        .map(m -> m.getId().toString())
                                        .toList())
                                .as("meters of the stopped pool %s", a)
                                .isEmpty();
                        soft.assertThat(registry.find("finch.queue.duration")
                                        .tag("pool", b)
                                        .timers())
                                .as("the running pool gets the free place under max-pool-tags=1")
                                .isNotEmpty();
                        soft.assertAll();
                    });
        }
    }

    /**
     * docs/spring-boot.md ("Moving an existing RestClient app onto Finch"): "The settings-tagged pools appear in the
     * finch endpoint, health and meters with their tag". Health lists only the pools the client was built with
     * (FinchPoolNames.configured), so with spring.http.clients.connect-timeout set, all RestClient traffic to a
     * configured origin goes to an unlisted pool: its connect failures never reach health, and the configured pool,
     * which carries none of that traffic, stays UP.
     */
    @Test
    void settingsTaggedPoolsAreMissingFromHealthAndTheConfiguredPoolStaysUpWhileRestClientCallsFail() {
        String refusing = "http://127.0.0.2:1";
        runner.withConfiguration(AutoConfigurations.of(
                        FinchActuatorAutoConfiguration.class,
                        org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration
                                .class))
                .withPropertyValues("finch.pools.api.url=" + refusing, "spring.http.clients.connect-timeout=1s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    RestClient rest = context.getBean(RestClient.Builder.class)
                            .baseUrl(refusing)
                            .build();
                    for (int i = 0; i < 3; i++) {
                        assertThatThrownBy(() -> rest.get().uri("/").retrieve().toBodilessEntity());
                    }
                    FinchHealthContributor health = context.getBean(FinchHealthContributor.class);
                    List<String> names = health.stream()
                            .map(org.springframework.boot.health.contributor.CompositeHealthContributor.Entry::name)
                            .toList();
                    org.assertj.core.api.SoftAssertions soft = new org.assertj.core.api.SoftAssertions();
                    soft.assertThat(names)
                            .as("health pools (docs: settings-tagged pools appear in health)")
                            .anyMatch(n -> n.contains("spring-connect"));
                    soft.assertThat(((org.springframework.boot.health.contributor.HealthIndicator)
                                            health.getContributor("api"))
                                    .health()
                                    .getStatus())
                            .as("health of the configured pool whose RestClient calls all fail to connect")
                            .isEqualTo(org.springframework.boot.health.contributor.Status.DOWN);
                    soft.assertAll();
                });
    }

    /**
     * FinchClientHttpRequest.send writes a streamed body inside {@code try (pipe)}: when Spring's body writer throws
     * (a message converter failing half-way), try-with-resources closes the pipe first, and RequestBodyPipe.close()
     * flushes and offers END, so Finch ends the chunked body normally ("0\r\n\r\n") before the catch block cancels
     * the request. The server receives a truncated body framed as complete (RFC 9112 7.1: the last chunk says the
     * content is complete) and may act on it; the client should abort the message instead (close the connection /
     * RST_STREAM) so the truncation is visible.
     */
    @Test
    void aBodyWriterThatFailsHalfWayStillSendsACompleteChunkedBody() throws Exception {
        java.util.concurrent.BlockingQueue<String> outcome = new java.util.concurrent.LinkedBlockingQueue<>();
        RawServer.Script script = conn -> {
            conn.readHead();
            java.io.ByteArrayOutputStream seen = new java.io.ByteArrayOutputStream();
            int b;
            while ((b = conn.in.read()) != -1) {
                seen.write(b);
                if (seen.toString(StandardCharsets.ISO_8859_1).endsWith("0\r\n\r\n")) {
                    outcome.add("complete: "
                            + seen.toString(StandardCharsets.ISO_8859_1).replace("\r\n", "|"));
                    conn.write("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
                    conn.out.flush();
                    return;
                }
            }
            outcome.add("aborted");
        };
        try (RawServer server = RawServer.start(script)) {
            String url = "http://127.0.0.1:" + server.port();
            runner.run(context -> {
                RestClient rest = context.getBean(RestClient.Builder.class).build();
                assertThatThrownBy(() -> rest.post()
                                .uri(url + "/upload")
                                .body(out -> {
                                    out.write("row 1\nrow 2\n".getBytes(StandardCharsets.UTF_8));
                                    out.flush();
                                    try {
                                        Thread.sleep(200); // the first rows are on the wire
                                    } catch (InterruptedException e) {
                                        Thread.currentThread().interrupt();
                                    }
                                    throw new java.io.IOException("the converter failed half-way");
                                })
                                .retrieve()
                                .toBodilessEntity())
                        .hasStackTraceContaining("the converter failed half-way");
                assertThat(outcome.poll(5, TimeUnit.SECONDS))
                        .as("what the server received of a body whose writer failed")
                        .isEqualTo("aborted");
            });
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Registry {
        @Bean
        SimpleMeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }
}

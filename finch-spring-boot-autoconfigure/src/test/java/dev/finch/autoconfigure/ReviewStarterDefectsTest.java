package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.imperative.ImperativeHttpClientAutoConfiguration;
import org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
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
}

package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.conn.Protocol;
import dev.finch.pool.PoolConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

@ExtendWith(OutputCaptureExtension.class)
class FinchAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(FinchAutoConfiguration.class, SslAutoConfiguration.class));

    @Test
    void providesAClientWithFinchDefaultsWhenNothingIsConfigured() {
        runner.run(context -> {
            FinchClient client = context.getBean(FinchClient.class);
            assertThat(client.defaultPoolConfig().size()).isEqualTo(50);
            assertThat(client.defaultPoolConfig().count()).isEqualTo(1);
            assertThat(client.defaultPoolConfig().protocols()).containsExactly(Protocol.HTTP1);
            assertThat(client.defaultPoolConfig().startPoolMetrics()).isTrue();
            assertThat(client.defaultRequestOptions().poolTimeout()).isEqualTo(Duration.ofSeconds(5));
            assertThat(client.defaultRequestOptions().receiveTimeout()).isEqualTo(Duration.ofSeconds(15));
            assertThat(client.defaultRequestOptions().requestTimeout()).isEmpty();
            assertThat(client.poolKeys()).isEmpty();
        });
    }

    @Test
    void bindsEveryPoolProperty() {
        runner.withPropertyValues(
                        "finch.default-pool.size=7",
                        "finch.default-pool.count=3",
                        "finch.default-pool.strategy=round-robin",
                        "finch.default-pool.pool-max-idle-time=2m",
                        "finch.default-pool.conn-max-idle-time=30s",
                        "finch.default-pool.start-pool-metrics=false",
                        "finch.default-pool.connect-timeout=750ms",
                        "finch.pools.api.url=https://api.example.com",
                        "finch.pools.api.tag=bulk",
                        "finch.pools.api.protocols=http1,http2",
                        "finch.pools.api.size=4",
                        "finch.pools.api.http2.wait-for-server-settings=true",
                        "finch.pools.api.http2.ping-interval=20s",
                        "finch.pools.api.http2.ping-timeout=3s",
                        "finch.pools.api.http2.max-connection-age=10m",
                        "finch.pools.api.http2.max-connection-age-jitter=1m",
                        "finch.pools.socket.unix-socket=/run/app.sock",
                        "finch.pools.tls-socket.unix-socket=/run/tls.sock",
                        "finch.pools.tls-socket.unix-socket-tls=true",
                        "finch.request.pool-timeout=1s",
                        "finch.request.receive-timeout=2s",
                        "finch.request.request-timeout=3s",
                        "finch.shutdown-timeout=4s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    FinchClient client = context.getBean(FinchClient.class);
                    PoolConfig d = client.defaultPoolConfig();
                    assertThat(d.size()).isEqualTo(7);
                    assertThat(d.count()).isEqualTo(3);
                    assertThat(d.poolMaxIdleTime()).contains(Duration.ofMinutes(2));
                    assertThat(d.connMaxIdleTime()).contains(Duration.ofSeconds(30));
                    assertThat(d.startPoolMetrics()).isFalse();
                    assertThat(d.connectOptions().connectTimeout()).isEqualTo(Duration.ofMillis(750));
                    // Round-robin: successive picks walk through the shards.
                    assertThat(List.of(
                                    d.strategy().select(null, 3), d.strategy().select(null, 3)))
                            .containsExactly(0, 1);

                    PoolKey api = PoolKey.of("https://api.example.com", "bulk");
                    PoolConfig a = client.findPool(api).orElseThrow();
                    assertThat(a.size()).isEqualTo(4);
                    assertThat(a.protocols()).isEqualTo(Set.of(Protocol.HTTP1, Protocol.HTTP2));
                    assertThat(a.http2().waitForServerSettings()).isTrue();
                    assertThat(a.http2().pingInterval()).contains(Duration.ofSeconds(20));
                    assertThat(a.http2().pingTimeout()).isEqualTo(Duration.ofSeconds(3));
                    assertThat(a.http2().maxConnectionAge()).contains(Duration.ofMinutes(10));
                    assertThat(a.http2().maxConnectionAgeJitter()).isEqualTo(Duration.ofMinutes(1));

                    assertThat(client.findPool(PoolKey.unix("http", Path.of("/run/app.sock"))))
                            .isPresent();
                    assertThat(client.findPool(PoolKey.unix("https", Path.of("/run/tls.sock"))))
                            .isPresent();
                    assertThat(client.defaultRequestOptions().poolTimeout()).isEqualTo(Duration.ofSeconds(1));
                    assertThat(client.defaultRequestOptions().receiveTimeout()).isEqualTo(Duration.ofSeconds(2));
                    assertThat(client.defaultRequestOptions().requestTimeout()).contains(Duration.ofSeconds(3));
                });
    }

    @Test
    void refusesAZeroSizeNamingTheProperty() {
        assertStartupFailsNaming(
                "finch.pools.api.size", "finch.pools.api.url=http://a.example", "finch.pools.api.size=0");
    }

    @Test
    void refusesANegativeTimeoutNamingTheProperty() {
        assertStartupFailsNaming("finch.request.receive-timeout", "finch.request.receive-timeout=-1s");
    }

    @Test
    void refusesAPoolWithoutUrlNamingTheProperty() {
        assertStartupFailsNaming("finch.pools.api.url", "finch.pools.api.size=3");
    }

    @Test
    void refusesAUrlThatIsNotHttpNamingTheProperty() {
        assertStartupFailsNaming("finch.pools.api.url", "finch.pools.api.url=ftp://a.example");
    }

    @Test
    void refusesTwoPoolsForTheSameOriginAndTag() {
        assertStartupFailsNaming(
                "finch.pools.b.url",
                "finch.pools.a.url=http://a.example",
                "finch.pools.b.url=http://A.example:80/path");
    }

    @Test
    void refusesJitterWithoutMaxConnectionAge() {
        assertStartupFailsNaming(
                "finch.default-pool.http2.max-connection-age-jitter",
                "finch.default-pool.http2.max-connection-age-jitter=5s");
    }

    @Test
    void refusesAnUnknownSslBundleNamingTheProperty() {
        assertStartupFailsNaming("finch.default-pool.tls.ssl-bundle", "finch.default-pool.tls.ssl-bundle=nope");
    }

    @Test
    void refusesAnUnknownProtocolNamingTheProperty() {
        assertBindingFailsNaming(
                "finch.pools.api.protocols", "finch.pools.api.url=http://a.example", "finch.pools.api.protocols=http3");
    }

    @Test
    void refusesAnUnknownStrategyNamingTheProperty() {
        assertBindingFailsNaming("finch.default-pool.strategy", "finch.default-pool.strategy=fastest");
    }

    @Test
    void turningVerificationOffIsAllowedButLogsAWarningNamingTheProperty(CapturedOutput output) {
        runner.withPropertyValues("finch.default-pool.tls.verify=false")
                .run(context -> assertThat(context).hasNotFailed());
        assertThat(output).contains("WARN").contains("finch.default-pool.tls.verify is false");
    }

    @Test
    void verificationStaysOnByDefault(CapturedOutput output) {
        runner.run(context -> assertThat(context).hasNotFailed());
        assertThat(output).doesNotContain("tls.verify is false");
    }

    @Test
    void backsOffWhenTheApplicationDefinesAClient() {
        runner.withUserConfiguration(OwnClient.class).run(context -> {
            assertThat(context).hasSingleBean(FinchClient.class);
            assertThat(context.getBean(FinchClient.class).defaultPoolConfig().size())
                    .isEqualTo(3);
        });
    }

    @Test
    void appliesCustomizersInOrderAfterTheProperties() {
        runner.withUserConfiguration(Customizers.class)
                .withPropertyValues("finch.default-pool.size=10")
                .run(context -> {
                    assertThat(context.getBean(FinchClient.class)
                                    .defaultPoolConfig()
                                    .size())
                            .isEqualTo(12);
                    assertThat(context.getBean("calls", List.class)).containsExactly("first", "second");
                });
    }

    @Test
    void closesTheClientWithTheContext() {
        FinchClient[] client = new FinchClient[1];
        runner.run(context -> client[0] = context.getBean(FinchClient.class));
        assertThat(client[0].isClosed()).isTrue();
    }

    @Test
    void http2OnlyPoolForAnHttpOriginBehindAForwardProxyFailsStartupNamingItsProtocols() {
        assertStartupFailsNaming(
                "finch.pools.api.protocols",
                "finch.pools.api.url=http://api.example.com",
                "finch.pools.api.protocols=http2",
                "finch.pools.api.proxy.url=http://proxy.example:3128");
    }

    private void assertStartupFailsNaming(String property, String... properties) {
        runner.withPropertyValues(properties).run(context -> assertThat(context)
                .getFailure()
                .rootCause()
                .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                .hasMessageContaining(property));
    }

    private void assertBindingFailsNaming(String property, String... properties) {
        runner.withPropertyValues(properties).run(context -> {
            Throwable t = context.getStartupFailure();
            while (t != null && !(t instanceof BindException)) {
                t = t.getCause();
            }
            assertThat(t).isInstanceOf(BindException.class);
            assertThat(((BindException) t).getProperty().getName().toString()).startsWith(property);
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnClient {
        @Bean
        FinchClient myClient() {
            return FinchClient.builder()
                    .defaultPool(PoolConfig.builder().size(3).build())
                    .build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Customizers {
        @Bean
        List<String> calls() {
            return new ArrayList<>();
        }

        @Bean
        @Order(2)
        FinchClientCustomizer second(List<String> calls) {
            return b -> {
                calls.add("second");
                b.defaultPool(PoolConfig.builder().size(12).build());
            };
        }

        @Bean
        @Order(1)
        FinchClientCustomizer first(List<String> calls) {
            return b -> {
                calls.add("first");
                b.defaultPool(PoolConfig.builder().size(11).build());
            };
        }
    }
}

package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.conn.Proxy;
import dev.finch.conn.ProxyConfig;
import dev.finch.conn.Scheme;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** finch.*.proxy.* properties: binding into each pool's connect options, the system-property opt-in, wrong values. */
class FinchProxyPropertiesTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(FinchAutoConfiguration.class, SslAutoConfiguration.class));

    @Test
    void bindsTheProxyOfTheDefaultPool() {
        runner.withPropertyValues(
                        "finch.default-pool.proxy.url=http://proxy.example:3128",
                        "finch.default-pool.proxy.username=ann",
                        "finch.default-pool.proxy.password=secret",
                        "finch.default-pool.proxy.headers.x-team=payments",
                        "finch.default-pool.proxy.tunnel-timeout=7s",
                        "finch.default-pool.proxy.non-proxy-hosts=*.internal.example,localhost")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    ProxyConfig config = context.getBean(FinchClient.class)
                            .defaultPoolConfig()
                            .connectOptions()
                            .proxy();
                    Proxy proxy =
                            config.proxyFor(Scheme.HTTPS, "api.example.com").orElseThrow();
                    assertThat(proxy.toString()).isEqualTo("http://proxy.example:3128");
                    assertThat(proxy.headers().first("proxy-authorization")).isEqualTo("Basic YW5uOnNlY3JldA==");
                    assertThat(proxy.headers().first("x-team")).isEqualTo("payments");
                    assertThat(proxy.tunnelTimeout()).isEqualTo(Duration.ofSeconds(7));
                    assertThat(config.proxyFor(Scheme.HTTP, "api.example.com")).contains(proxy);
                    assertThat(config.proxyFor(Scheme.HTTPS, "billing.internal.example"))
                            .isEmpty();
                    assertThat(config.proxyFor(Scheme.HTTP, "localhost")).isEmpty();
                });
    }

    @Test
    void eachNamedPoolHasItsOwnProxy() {
        runner.withPropertyValues(
                        "finch.pools.api.url=https://api.example.com",
                        "finch.pools.api.proxy.url=https://secure-proxy.example:8443",
                        "finch.pools.other.url=https://other.example.com")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    FinchClient client = context.getBean(FinchClient.class);
                    ProxyConfig api = client.findPool(PoolKey.of("https://api.example.com"))
                            .orElseThrow()
                            .connectOptions()
                            .proxy();
                    assertThat(api.httpsProxy().orElseThrow().scheme()).isEqualTo(Scheme.HTTPS);
                    assertThat(api.httpsProxy().orElseThrow().port()).isEqualTo(8443);
                    assertThat(client.findPool(PoolKey.of("https://other.example.com"))
                                    .orElseThrow()
                                    .connectOptions()
                                    .proxy()
                                    .isEmpty())
                            .isTrue();
                    assertThat(client.defaultPoolConfig()
                                    .connectOptions()
                                    .proxy()
                                    .isEmpty())
                            .isTrue();
                });
    }

    @Test
    void theJdkProxyPropertiesAreIgnoredUnlessAskedFor() {
        runner.withSystemProperties("https.proxyHost=sys-proxy.example", "https.proxyPort=3129")
                .run(context -> assertThat(context.getBean(FinchClient.class)
                                .defaultPoolConfig()
                                .connectOptions()
                                .proxy()
                                .isEmpty())
                        .isTrue());
    }

    @Test
    void useSystemPropertiesReadsTheJdkProxyProperties() {
        runner.withSystemProperties(
                        "https.proxyHost=sys-proxy.example", "https.proxyPort=3129", "http.nonProxyHosts=*.corp")
                .withPropertyValues("finch.default-pool.proxy.use-system-properties=true")
                .run(context -> {
                    ProxyConfig config = context.getBean(FinchClient.class)
                            .defaultPoolConfig()
                            .connectOptions()
                            .proxy();
                    assertThat(config.proxyFor(Scheme.HTTPS, "api.example.com")
                                    .orElseThrow()
                                    .toString())
                            .isEqualTo("http://sys-proxy.example:3129");
                    assertThat(config.proxyFor(Scheme.HTTPS, "wiki.corp")).isEmpty();
                    assertThat(config.proxyFor(Scheme.HTTP, "api.example.com")).isEmpty();
                });
    }

    @Test
    void nonProxyHostsReplaceTheSystemPropertyWhenBothAreSet() {
        runner.withSystemProperties("https.proxyHost=sys-proxy.example", "http.nonProxyHosts=*.corp")
                .withPropertyValues(
                        "finch.default-pool.proxy.use-system-properties=true",
                        "finch.default-pool.proxy.non-proxy-hosts=*.internal.example")
                .run(context -> {
                    ProxyConfig config = context.getBean(FinchClient.class)
                            .defaultPoolConfig()
                            .connectOptions()
                            .proxy();
                    assertThat(config.proxyFor(Scheme.HTTPS, "api.internal.example"))
                            .isEmpty();
                    assertThat(config.proxyFor(Scheme.HTTPS, "wiki.corp")).isPresent();
                });
    }

    @Test
    void aWrongUrlFailsStartupNamingThePropertyWithoutShowingThePassword() {
        runner.withPropertyValues("finch.default-pool.proxy.url=socks5://ann:hunter2@proxy.example:1080")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                        .hasMessageContaining("finch.default-pool.proxy.url")
                        .hasMessageContaining("http or https")
                        .hasMessageNotContaining("hunter2"));
    }

    @Test
    void wrongProxyValuesFailStartupNamingTheProperty() {
        assertStartupFailsNaming(
                "finch.pools.api.proxy.tunnel-timeout",
                "finch.pools.api.url=https://api.example.com",
                "finch.pools.api.proxy.url=http://proxy.example:3128",
                "finch.pools.api.proxy.tunnel-timeout=0s");
        assertStartupFailsNaming(
                "finch.default-pool.proxy.url", "finch.default-pool.proxy.url=http://proxy.example:99999");
        assertStartupFailsNaming(
                "finch.default-pool.proxy.headers.x-bad",
                "finch.default-pool.proxy.url=http://proxy.example:3128",
                "finch.default-pool.proxy.headers.x-bad=a\r\nHost: evil");
        assertStartupFailsNaming(
                "finch.default-pool.proxy.use-system-properties",
                "finch.default-pool.proxy.url=http://proxy.example:3128",
                "finch.default-pool.proxy.use-system-properties=true");
        assertStartupFailsNaming("finch.default-pool.proxy.username", "finch.default-pool.proxy.username=ann");
        assertStartupFailsNaming(
                "finch.default-pool.proxy.headers",
                "finch.default-pool.proxy.use-system-properties=true",
                "finch.default-pool.proxy.headers.x-team=payments");
        assertStartupFailsNaming(
                "finch.default-pool.proxy.non-proxy-hosts", "finch.default-pool.proxy.non-proxy-hosts=localhost");
        assertStartupFailsNaming(
                "finch.default-pool.proxy.ssl-bundle",
                "finch.default-pool.proxy.url=https://proxy.example:8443",
                "finch.default-pool.proxy.ssl-bundle=missing");
    }

    private void assertStartupFailsNaming(String property, String... properties) {
        runner.withPropertyValues(properties).run(context -> assertThat(context)
                .getFailure()
                .rootCause()
                .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                .hasMessageContaining(property));
    }
}

package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.conn.ConnectOptions;
import dev.finch.conn.Scheme;
import dev.finch.transport.TlsOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code finch.*.tls.key-log-file} is bound to each pool's {@link TlsOptions}; {@link FinchTlsTest} logs a real
 * session's secrets with it, trusting an SSL bundle.
 */
class FinchKeyLogTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(FinchAutoConfiguration.class, SslAutoConfiguration.class));

    @TempDir
    Path dir;

    @Test
    void theDefaultPoolAndNamedPoolsBindTheirOwnKeyLogFile() {
        Path defaults = dir.resolve("default.log");
        Path api = dir.resolve("api.log");
        runner.withPropertyValues(
                        "finch.default-pool.tls.key-log-file=" + defaults,
                        "finch.pools.api.url=https://api.example.com",
                        "finch.pools.api.tls.key-log-file=" + api,
                        "finch.pools.plain.url=https://plain.example.com")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    FinchClient client = context.getBean(FinchClient.class);
                    assertThat(tls(client.defaultPoolConfig().connectOptions().tls()))
                            .isEqualTo(defaults.toAbsolutePath());
                    assertThat(tls(client.findPool(PoolKey.of("https://api.example.com"))
                                    .orElseThrow()
                                    .connectOptions()
                                    .tls()))
                            .isEqualTo(api.toAbsolutePath());
                    TlsOptions plain = client.findPool(PoolKey.of("https://plain.example.com"))
                            .orElseThrow()
                            .connectOptions()
                            .tls();
                    // Unless SSLKEYLOGFILE is set for the test run, a pool without the property logs nothing.
                    assertThat(plain.keyLogFile()).isEqualTo(keyLogFromEnvironment());
                });
    }

    @Test
    void aKeyLogFileThatCannotBeOpenedFailsTheStartNamingTheProperty() {
        runner.withPropertyValues("finch.default-pool.tls.key-log-file=" + dir.resolve("missing/keys.log"))
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                        .hasMessageContaining("finch.default-pool.tls.key-log-file"));
    }

    private static Path tls(TlsOptions options) {
        return options.keyLogFile();
    }

    private static Path keyLogFromEnvironment() {
        String value = System.getenv(TlsOptions.SSLKEYLOGFILE);
        return value == null || value.isBlank() ? null : Path.of(value).toAbsolutePath();
    }

    @Test
    void ignoreSslKeyLogFileRefusesTheEnvironmentVariableForThePoolAndItsProxy() {
        runner.withPropertyValues(
                        "finch.default-pool.tls.ignore-ssl-key-log-file=true",
                        "finch.default-pool.proxy.url=https://proxy.example:8443",
                        "finch.pools.api.url=https://api.example.com")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    FinchClient client = context.getBean(FinchClient.class);
                    ConnectOptions defaults = client.defaultPoolConfig().connectOptions();
                    assertThat(defaults.tls().ignoresSslKeyLogFile()).isTrue();
                    assertThat(defaults.tls().keyLogFile()).isNull();
                    assertThat(defaults.proxy()
                                    .proxyFor(Scheme.HTTPS, "example.com")
                                    .orElseThrow()
                                    .tls()
                                    .ignoresSslKeyLogFile())
                            .isTrue();
                    assertThat(client.findPool(PoolKey.of("https://api.example.com"))
                                    .orElseThrow()
                                    .connectOptions()
                                    .tls()
                                    .ignoresSslKeyLogFile())
                            .as("a named pool sets its own")
                            .isFalse();
                });
    }
}

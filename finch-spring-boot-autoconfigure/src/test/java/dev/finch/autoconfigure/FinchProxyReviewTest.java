package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Review of finch.*.proxy.*: each test is named after the defect it proves. */
class FinchProxyReviewTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(FinchAutoConfiguration.class, SslAutoConfiguration.class));

    /**
     * FinchPropertiesMapper.proxy reports a refused proxy header with its value: a Proxy-Authorization token holding
     * a line break (base64 output wrapped at 76 columns, a YAML block scalar) fails startup with the credential
     * printed in the exception message (and so in the startup failure report and logs).
     */
    @Test
    void aRefusedProxyHeaderShowsItsCredentialValueInTheStartupFailure() {
        runner.withPropertyValues(
                        "finch.default-pool.proxy.url=http://proxy.example:3128",
                        "finch.default-pool.proxy.headers.proxy-authorization=Basic YW5uOmh1bnRlcjI=\nx")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                        .hasMessageContaining("finch.default-pool.proxy.headers")
                        .hasMessageNotContaining("YW5uOmh1bnRlcjI="));
    }

    /**
     * FinchPropertiesMapper.redacted (like Proxy.parse's) masks user information only after "://": a proxy url
     * written without its scheme (user:password@host:port, as curl accepts) fails startup with the password shown.
     */
    @Test
    void aProxyUrlWithoutSchemeShowsItsPasswordInTheStartupFailure() {
        runner.withPropertyValues("finch.default-pool.proxy.url=ann:hunter2@proxy.example:3128")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                        .hasMessageContaining("finch.default-pool.proxy.url")
                        .hasMessageNotContaining("hunter2"));
    }
}

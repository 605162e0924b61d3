package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Proxy credentials never appear in start-up failures. */
class FinchProxySecretsTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(FinchAutoConfiguration.class, SslAutoConfiguration.class));

    /**
     * A Proxy-Authorization token holding a line break (base64 output wrapped at 76 columns, a YAML block scalar) is
     * refused; FinchPropertiesMapper.proxy once reported it with its value, printing the credential in the startup
     * failure report and logs.
     */
    @Test
    void aRefusedProxyHeaderHidesItsCredentialValueInTheStartupFailure() {
        runner.withPropertyValues(
                        "finch.default-pool.proxy.url=http://proxy.example:3128",
                        "finch.default-pool.proxy.headers.proxy-authorization=Basic YW5uOmh1bnRlcjI=\nx")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                        .hasMessageContaining("finch.default-pool.proxy.headers")
                        .hasMessageContaining("******")
                        .hasMessageNotContaining("YW5uOmh1bnRlcjI="));
    }

    /**
     * A proxy url written without its scheme (user:password@host:port, as curl accepts) is refused; the starter's copy
     * of the masking once hid user information only after "://", so the startup failure showed the password. It now
     * uses Proxy.redact.
     */
    @Test
    void aProxyUrlWithoutSchemeHidesItsPasswordInTheStartupFailure() {
        runner.withPropertyValues("finch.default-pool.proxy.url=ann:hunter2@proxy.example:3128")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                        .hasMessageContaining("finch.default-pool.proxy.url")
                        .hasMessageContaining("******@proxy.example:3128")
                        .hasMessageNotContaining("hunter2"));
    }
}

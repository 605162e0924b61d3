package dev.finch.autoconfigure;

import dev.finch.FinchClient;
import dev.finch.telemetry.FinchListener;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;

/**
 * The {@link FinchClient} bean, built by the {@link FinchClientConfigurer} bean from the {@code finch.*} properties,
 * the {@link FinchListener} beans (all of them, in order) and the {@link FinchClientCustomizer} beans (in order,
 * last). The configurer stays available when the application defines its own client. Closed when the context closes: by
 * then the web server has stopped taking requests, and requests still in flight on the client get
 * {@code finch.shutdown-timeout} to finish.
 */
@AutoConfiguration(after = SslAutoConfiguration.class)
@ConditionalOnClass(FinchClient.class)
@EnableConfigurationProperties(FinchProperties.class)
public final class FinchAutoConfiguration {
    @Bean
    @ConditionalOnMissingBean
    FinchConnectFailures finchConnectFailures() {
        return new FinchConnectFailures();
    }

    @Bean
    @ConditionalOnMissingBean
    FinchClientConfigurer finchClientConfigurer(
            FinchProperties properties,
            ObjectProvider<SslBundles> sslBundles,
            ObjectProvider<FinchListener> listeners,
            ObjectProvider<FinchClientCustomizer> customizers) {
        return new FinchClientConfigurer(properties, sslBundles, listeners, customizers);
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    FinchClient finchClient(FinchClientConfigurer configurer) {
        return configurer.configure(FinchClient.builder()).build();
    }
}

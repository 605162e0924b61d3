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
 * The {@link FinchClient} bean, built from the {@code finch.*} properties, the {@link FinchListener} beans (all of
 * them, in order) and the {@link FinchClientCustomizer} beans (in order, last). Closed when the context closes: by
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

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    FinchClient finchClient(
            FinchProperties properties,
            ObjectProvider<SslBundles> sslBundles,
            ObjectProvider<FinchListener> listeners,
            ObjectProvider<FinchClientCustomizer> customizers) {
        FinchClient.Builder builder = FinchClient.builder();
        new FinchPropertiesMapper(sslBundles.getIfAvailable()).configure(properties, builder);
        FinchListener[] all = listeners.orderedStream().toArray(FinchListener[]::new);
        if (all.length > 0) {
            builder.listener(all.length == 1 ? all[0] : FinchListener.all(all));
        }
        customizers.orderedStream().forEach(c -> c.customize(builder));
        return builder.build();
    }
}

package dev.finch.autoconfigure;

import dev.finch.FinchClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Set;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * Pool gauges and telemetry meters for the FinchClient bean, when Micrometer and a MeterRegistry are present. The
 * pool tag values are bounded by {@link FinchMeters} itself ({@code finch.metrics.max-pool-tags} unconfigured pools
 * at a time, the rest as {@code pool=other}), as Spring Boot bounds the uri tag of http.client.requests.
 */
@AutoConfiguration(
        after = {MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class},
        before = FinchAutoConfiguration.class)
@ConditionalOnClass({MeterRegistry.class, MetricsAutoConfiguration.class, FinchClient.class})
@ConditionalOnBean(MeterRegistry.class)
@EnableConfigurationProperties(FinchProperties.class)
public final class FinchMetricsAutoConfiguration {
    @Bean
    @ConditionalOnMissingBean
    FinchMeters finchMeters(ObjectProvider<FinchClient> client, FinchProperties properties) {
        return new FinchMeters(
                client,
                Set.copyOf(FinchPoolNames.configuredKeys(properties).values()),
                properties.getMetrics().getMaxPoolTags());
    }
}

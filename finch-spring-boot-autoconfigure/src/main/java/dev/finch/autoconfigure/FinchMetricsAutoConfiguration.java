package dev.finch.autoconfigure;

import dev.finch.FinchClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.context.annotation.Bean;

/** Pool gauges and telemetry meters for the FinchClient bean, when Micrometer and a MeterRegistry are present. */
@AutoConfiguration(
        after = {MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class},
        before = FinchAutoConfiguration.class)
@ConditionalOnClass({MeterRegistry.class, MetricsAutoConfiguration.class, FinchClient.class})
@ConditionalOnBean(MeterRegistry.class)
@EnableConfigurationProperties(FinchProperties.class)
public final class FinchMetricsAutoConfiguration {
    @Bean
    @ConditionalOnMissingBean
    FinchMeters finchMeters(ObjectProvider<FinchClient> client) {
        return new FinchMeters(client);
    }

    /**
     * Bounds the pool tag of finch.* meters (as Spring Boot bounds the uri tag of http.client.requests): the default
     * pool opens a pool per origin it is asked to reach, so without a cap the number of meters would grow with them.
     */
    @Bean
    MeterFilter finchPoolTagLimit(FinchProperties properties) {
        return MeterFilter.maximumAllowableTags(
                "finch.", "pool", properties.getMetrics().getMaxPoolTags(), MeterFilter.deny());
    }
}

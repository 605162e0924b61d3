package dev.finch.autoconfigure;

import dev.finch.FinchClient;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/** Observation of calls made on the FinchClient bean directly, when an ObservationRegistry is present. */
@AutoConfiguration(
        afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration",
        before = FinchAutoConfiguration.class)
@ConditionalOnClass({ObservationRegistry.class, FinchClient.class})
@ConditionalOnBean(ObservationRegistry.class)
public final class FinchObservationAutoConfiguration {
    @Bean
    @ConditionalOnMissingBean
    FinchObservations finchObservations(
            ObservationRegistry registry,
            @Value("${management.observations.http.client.requests.name:http.client.requests}") String name) {
        return new FinchObservations(registry, name);
    }
}

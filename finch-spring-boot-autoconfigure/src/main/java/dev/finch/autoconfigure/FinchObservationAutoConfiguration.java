package dev.finch.autoconfigure;

import dev.finch.FinchClient;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Observation of calls made on the FinchClient bean directly, when an ObservationRegistry is present: a
 * {@link FinchObservationInterceptor} added to the client by a {@link FinchClientCustomizer}. A
 * {@link FinchObservationConvention} bean replaces the default convention.
 */
@AutoConfiguration(
        afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration",
        before = FinchAutoConfiguration.class)
@ConditionalOnClass({ObservationRegistry.class, FinchClient.class})
@ConditionalOnBean(ObservationRegistry.class)
public final class FinchObservationAutoConfiguration {
    @Bean
    @ConditionalOnMissingBean
    FinchObservationInterceptor finchObservationInterceptor(
            ObservationRegistry registry,
            ObjectProvider<FinchObservationConvention> convention,
            @Value("${management.observations.http.client.requests.name:"
                            + DefaultFinchObservationConvention.DEFAULT_NAME + "}")
                    String name) {
        return new FinchObservationInterceptor(
                registry, convention.getIfUnique(), new DefaultFinchObservationConvention(name));
    }

    @Bean
    FinchClientCustomizer finchObservationClientCustomizer(FinchObservationInterceptor interceptor) {
        return builder -> builder.interceptor(interceptor);
    }
}

package dev.finch.autoconfigure;

import dev.finch.FinchClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The {@code finch} actuator endpoint and health contributor, when Actuator (and Spring Boot Health) are present. */
@AutoConfiguration(
        after = {FinchAutoConfiguration.class, FinchMetricsAutoConfiguration.class},
        beforeName = "org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration")
@ConditionalOnClass(FinchClient.class)
@ConditionalOnBean(FinchClient.class)
public final class FinchActuatorAutoConfiguration {
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(Endpoint.class)
    @ConditionalOnAvailableEndpoint(FinchEndpoint.class)
    static class EndpointConfiguration {
        @Bean
        @ConditionalOnMissingBean
        FinchEndpoint finchEndpoint(
                FinchClient client, FinchProperties properties, ObjectProvider<FinchMeters> meters) {
            return new FinchEndpoint(
                    client, new FinchPoolNames(client, properties), () -> meters.ifAvailable(FinchMeters::refresh));
        }

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnBean(FinchEndpoint.class)
        FinchEndpointWebExtension finchEndpointWebExtension(FinchEndpoint endpoint) {
            return new FinchEndpointWebExtension(endpoint);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({HealthContributor.class, HealthContributorAutoConfiguration.class})
    @ConditionalOnEnabledHealthIndicator("finch")
    static class HealthConfiguration {
        @Bean
        @ConditionalOnMissingBean(name = "finchHealthContributor")
        FinchHealthContributor finchHealthContributor(
                FinchClient client, FinchProperties properties, FinchConnectFailures failures) {
            return new FinchHealthContributor(
                    client,
                    new FinchPoolNames(client, properties),
                    failures,
                    properties.getHealth().isIncludeDefaultPools());
        }
    }
}

package dev.finch.autoconfigure;

import dev.finch.FinchClient;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.imperative.ImperativeHttpClientAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.http.client.ClientHttpRequestFactory;

/**
 * Puts RestClient and RestTemplate on the FinchClient bean's pools: a {@link ClientHttpRequestFactoryBuilder} bean that
 * Spring Boot's own imperative HTTP client configuration then leaves alone. Backs off when the application chose a
 * factory with {@code spring.http.clients.imperative.factory}, defined its own builder bean, or set
 * {@code finch.rest-client.enabled=false}.
 */
@AutoConfiguration(
        after = {FinchAutoConfiguration.class, HttpClientAutoConfiguration.class},
        before = ImperativeHttpClientAutoConfiguration.class)
@ConditionalOnClass({ClientHttpRequestFactory.class, ClientHttpRequestFactoryBuilder.class, FinchClient.class})
@ConditionalOnBean(FinchClient.class)
@ConditionalOnBooleanProperty(name = "finch.rest-client.enabled", matchIfMissing = true)
@Conditional(FinchRestClientAutoConfiguration.NoFactoryChosen.class)
public final class FinchRestClientAutoConfiguration {
    @Bean
    @ConditionalOnMissingBean(ClientHttpRequestFactoryBuilder.class)
    FinchClientHttpRequestFactoryBuilder finchClientHttpRequestFactoryBuilder(FinchClient client) {
        return new FinchClientHttpRequestFactoryBuilder(client);
    }

    /**
     * Matches while {@code spring.http.clients.imperative.factory} is not set in any form (its values name Boot's own
     * factories, so any value means the application chose one).
     */
    static final class NoFactoryChosen extends SpringBootCondition {
        static final String PROPERTY = "spring.http.clients.imperative.factory";

        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            boolean chosen = Binder.get(context.getEnvironment())
                    .bind(PROPERTY, Bindable.of(String.class))
                    .isBound();
            return chosen
                    ? ConditionOutcome.noMatch(PROPERTY + " is set: the application chose its own factory")
                    : ConditionOutcome.match(PROPERTY + " is not set");
        }
    }
}

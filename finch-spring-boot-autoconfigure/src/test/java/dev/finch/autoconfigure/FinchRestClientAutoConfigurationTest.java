package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.FinchClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.imperative.ImperativeHttpClientAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.restclient.RestTemplateBuilder;
import org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration;
import org.springframework.boot.restclient.autoconfigure.RestTemplateAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.http.client.JdkClientHttpRequestFactory;

class FinchRestClientAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    FinchAutoConfiguration.class,
                    FinchRestClientAutoConfiguration.class,
                    FinchMetricsAutoConfiguration.class,
                    FinchActuatorAutoConfiguration.class,
                    HttpClientAutoConfiguration.class,
                    ImperativeHttpClientAutoConfiguration.class,
                    RestClientAutoConfiguration.class,
                    RestTemplateAutoConfiguration.class));

    @Test
    void restClientBuilderUsesFinchsRequestFactoryOnTheClientBean() {
        runner.run(context -> {
            ClientHttpRequestFactoryBuilder<?> builder = context.getBean(ClientHttpRequestFactoryBuilder.class);
            assertThat(builder).isInstanceOf(FinchClientHttpRequestFactoryBuilder.class);
            FinchClientHttpRequestFactory one = (FinchClientHttpRequestFactory) builder.build();
            FinchClientHttpRequestFactory two = (FinchClientHttpRequestFactory) builder.build();
            assertThat(one.client()).isSameAs(two.client()).isSameAs(context.getBean(FinchClient.class));
            assertThat(context).hasBean("restClientBuilder");
        });
    }

    @Test
    void restTemplateBuilderUsesFinchToo() {
        runner.run(context -> assertThat(
                        context.getBean(RestTemplateBuilder.class).build().getRequestFactory())
                .isInstanceOf(FinchClientHttpRequestFactory.class));
    }

    @Test
    void honoursTheReadTimeoutAndRedirectSettings() {
        runner.withPropertyValues("spring.http.clients.read-timeout=3s", "spring.http.clients.redirects=dont-follow")
                .run(context -> {
                    FinchClientHttpRequestFactory factory =
                            (FinchClientHttpRequestFactory) context.getBean(ClientHttpRequestFactoryBuilder.class)
                                    .build(context.getBean(HttpClientSettings.class));
                    assertThat(factory.options().receiveTimeout()).isEqualTo(Duration.ofSeconds(3));
                    assertThat(factory.followsRedirects()).isFalse();
                });
    }

    @Test
    void followsRedirectsByDefault() {
        runner.run(context -> assertThat(
                        ((FinchClientHttpRequestFactory) context.getBean(ClientHttpRequestFactoryBuilder.class)
                                        .build())
                                .followsRedirects())
                .isTrue());
    }

    @Test
    void backsOffWhenSpringBootsFactoryPropertyIsSet() {
        runner.withPropertyValues("spring.http.clients.imperative.factory=jdk").run(context -> {
            assertThat(context).doesNotHaveBean(FinchClientHttpRequestFactoryBuilder.class);
            assertThat(context.getBean(ClientHttpRequestFactoryBuilder.class).build())
                    .isInstanceOf(JdkClientHttpRequestFactory.class);
        });
    }

    @Test
    void usesFinchWhenSpringBootsFactoryPropertyIsAbsent() {
        runner.run(context -> assertThat(context.getBean(ClientHttpRequestFactoryBuilder.class))
                .isInstanceOf(FinchClientHttpRequestFactoryBuilder.class));
    }

    @Test
    void backsOffWhenTurnedOff() {
        runner.withPropertyValues("finch.rest-client.enabled=false").run(context -> {
            assertThat(context).doesNotHaveBean(FinchClientHttpRequestFactoryBuilder.class);
            assertThat(context).hasSingleBean(ClientHttpRequestFactoryBuilder.class);
        });
    }

    @Test
    void worksWithoutMicrometerActuatorOrSpringWebOnTheClasspath() {
        runner.withClassLoader(new FilteredClassLoader(
                        MeterRegistry.class, MetricsAutoConfiguration.class, Endpoint.class, HealthContributor.class))
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(FinchClient.class);
                    assertThat(context).doesNotHaveBean(FinchMeters.class);
                    assertThat(context).doesNotHaveBean(FinchEndpoint.class);
                    assertThat(context).doesNotHaveBean(FinchHealthContributor.class);
                });
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        FinchAutoConfiguration.class,
                        FinchRestClientAutoConfiguration.class,
                        FinchMetricsAutoConfiguration.class,
                        FinchActuatorAutoConfiguration.class))
                .withClassLoader(new FilteredClassLoader(
                        "org.springframework.http.client", "org.springframework.boot.http.client", "io.micrometer"))
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(FinchClient.class));
    }
}

package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.finch.FinchClient;
import dev.finch.Request;
import dev.finch.http.TransportException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.ClientHttpResponse;

class FinchObservationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(
                    AutoConfigurations.of(FinchAutoConfiguration.class, FinchObservationAutoConfiguration.class))
            .withUserConfiguration(Observed.class);

    private HttpServer server;
    private String base;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = "hi".getBytes(StandardCharsets.UTF_8);
            int status = exchange.getRequestURI().getPath().equals("/missing") ? 404 : 200;
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    @Test
    void directCallsAreObservedAsHttpClientRequestsWithBoundedTags() {
        runner.run(context -> {
            FinchClient finch = context.getBean(FinchClient.class);
            finch.request(Request.get(base + "/users/1"));
            finch.request(Request.get(base + "/users/2"));
            finch.request(Request.get(base + "/missing"));
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(meters.get("http.client.requests")
                            .tags("method", "GET", "uri", "none", "status", "200", "outcome", "SUCCESS")
                            .tag("client.name", "127.0.0.1")
                            .timer()
                            .count())
                    .isEqualTo(2);
            assertThat(meters.get("http.client.requests")
                            .tags("status", "404", "outcome", "CLIENT_ERROR")
                            .timer()
                            .count())
                    .isEqualTo(1);
        });
    }

    @Test
    void failedCallsAreObservedWithTheirException() {
        runner.run(context -> {
            FinchClient finch = context.getBean(FinchClient.class);
            assertThatThrownBy(() -> finch.request(Request.get("http://127.0.0.1:1/")))
                    .isInstanceOf(TransportException.class);
            assertThat(context.getBean(MeterRegistry.class)
                            .get("http.client.requests")
                            .tags("exception", "TransportException")
                            .timer()
                            .count())
                    .isEqualTo(1);
        });
    }

    @Test
    void requestsOfTheRestClientFactoryAreNotTimedTwice() {
        runner.run(context -> {
            FinchClient finch = context.getBean(FinchClient.class);
            FinchClientHttpRequestFactory factory = new FinchClientHttpRequestFactoryBuilder(finch).build();
            try (ClientHttpResponse response = factory.createRequest(URI.create(base + "/x"), HttpMethod.GET)
                    .execute()) {
                assertThat(response.getStatusCode().value()).isEqualTo(200);
                assertThat(response.getBody().readAllBytes()).isEqualTo("hi".getBytes(StandardCharsets.UTF_8));
            }
            assertThat(context.getBean(MeterRegistry.class)
                            .find("http.client.requests")
                            .timers())
                    .isEmpty();
        });
    }

    @Test
    void theObservationNameFollowsSpringBootsProperty() {
        runner.withPropertyValues("management.observations.http.client.requests.name=outgoing")
                .run(context -> {
                    context.getBean(FinchClient.class).request(Request.get(base + "/"));
                    assertThat(context.getBean(MeterRegistry.class)
                                    .get("outgoing")
                                    .timer()
                                    .count())
                            .isEqualTo(1);
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class Observed {
        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        @Bean
        ObservationRegistry observationRegistry(MeterRegistry meters) {
            ObservationRegistry registry = ObservationRegistry.create();
            registry.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
            return registry;
        }
    }
}

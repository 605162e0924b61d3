package dev.finch.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;

/**
 * Runs the sample on a random port and calls its endpoints. The sample's upstream is by default its own server, whose
 * port must be known before the context starts (the configured pools are keyed by the upstream's origin); here a
 * second, upstream-only context (the sample's {@link UpstreamController} on Tomcat with h2c) runs on a port of its own,
 * also random, and {@code sample.upstream-url} points at it. No port is picked ahead of time.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SampleApplicationTest {
    private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {};

    private static ConfigurableApplicationContext upstream;
    private static String upstreamUrl;

    @DynamicPropertySource
    static void upstream(DynamicPropertyRegistry registry) {
        upstream = new SpringApplicationBuilder(Upstream.class)
                .properties(
                        "spring.config.name=sample-upstream", // not the sample's application.yml
                        "server.port=0",
                        "server.address=127.0.0.1",
                        "server.http2.enabled=true")
                .run();
        upstreamUrl = "http://127.0.0.1:" + upstream.getEnvironment().getRequiredProperty("local.server.port");
        registry.add("sample.upstream-url", () -> upstreamUrl);
    }

    @AfterAll
    static void stopUpstream() {
        if (upstream != null) {
            upstream.close();
        }
    }

    /**
     * The sample's upstream endpoints alone. Not a {@code @Configuration}: the test context must not take it for its
     * own configuration, nor the sample's component scan pick it up.
     */
    @EnableAutoConfiguration
    @Import(UpstreamController.class)
    static class Upstream {}

    @LocalServerPort
    int port;

    private RestClient app() {
        return RestClient.create("http://127.0.0.1:" + port);
    }

    @Test
    void plainRequestUsesTheDefaultPool() {
        Map<String, Object> result = app().get().uri("/demo/plain").retrieve().body(JSON);
        assertThat(result)
                .containsEntry("status", 200)
                .containsEntry("pool", upstreamUrl)
                .containsEntry("body", "hello from the upstream over HTTP/1.1");
    }

    @Test
    void taggedRequestUsesTheHttp1Pool() {
        Map<String, Object> result =
                app().get().uri("/demo/plain?pool=h1").retrieve().body(JSON);
        assertThat(result)
                .containsEntry("pool", upstreamUrl + "#h1")
                .containsEntry("body", "hello from the upstream over HTTP/1.1");
    }

    @Test
    void h2PoolSpeaksH2cWithTheAppsTomcat() {
        Map<String, Object> result =
                app().get().uri("/demo/plain?pool=h2").retrieve().body(JSON);
        assertThat(result)
                .containsEntry("status", 200)
                .containsEntry("pool", upstreamUrl + "#h2")
                .containsEntry("body", "hello from the upstream over HTTP/2.0");
    }

    @Test
    void streamedResponseArrivesWhole() {
        String text = app().get().uri("/demo/stream?lines=3").retrieve().body(String.class);
        assertThat(text).isEqualTo("line 1\nline 2\nline 3\n");
    }

    @Test
    void restClientCallReachesTheUpstream() {
        Map<String, Object> result =
                app().get().uri("/demo/rest-client").retrieve().body(JSON);
        assertThat(result).containsEntry("body", "hello from the upstream over HTTP/1.1");
    }

    @Test
    void theFinchEndpointIsReadOnly() {
        int status = RestClient.builder()
                .baseUrl("http://127.0.0.1:" + port)
                .defaultStatusHandler(HttpStatusCode::isError, (req, res) -> {})
                .build()
                .post()
                .uri("/actuator/finch/upstream-h1")
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("count", 5))
                .retrieve()
                .toBodilessEntity()
                .getStatusCode()
                .value();
        assertThat(status).isEqualTo(405);
        assertThat(app().get().uri("/actuator/finch/upstream-h1").retrieve().body(JSON))
                .containsEntry("count", 2);
    }

    @Test
    void healthIsUp() {
        String health = app().get().uri("/actuator/health").retrieve().body(String.class);
        assertThat(health).contains("\"status\":\"UP\"");
    }

    @Test
    void configuredPoolsRunFromStartUp() {
        app().get().uri("/demo/plain?pool=h1").retrieve().toBodilessEntity();
        Map<String, Object> finch =
                app().get().uri("/actuator/finch").retrieve().body(JSON);
        assertThat(finch).isNotNull();
        assertThat(((Map<?, ?>) finch.get("pools")).keySet())
                .map(Object::toString)
                .contains("upstream-h1", "upstream-h2");
    }

    @Test
    @SuppressWarnings("unchecked")
    void healthShowsEachFinchPool() {
        app().get().uri("/demo/plain?pool=h2").retrieve().toBodilessEntity();
        Map<String, Object> health =
                app().get().uri("/actuator/health/finch").retrieve().body(JSON);
        assertThat(health).containsEntry("status", "UP");
        Map<String, Object> components = (Map<String, Object>) health.get("components");
        assertThat((Map<String, Object>) components.get("upstream-h2")).containsEntry("status", "UP");
        assertThat((Map<String, Object>) components.get("upstream-h1")).containsEntry("status", "UP");
    }

    @Test
    @SuppressWarnings("unchecked")
    void finchMetricsArePublished() {
        app().get().uri("/demo/plain?pool=h1").retrieve().toBodilessEntity();
        Map<String, Object> metric = app().get()
                .uri("/actuator/metrics/finch.pool.connections?tag=tag:h1&tag=state:idle")
                .retrieve()
                .body(JSON);
        assertThat(metric).containsEntry("name", "finch.pool.connections");
        var measurements = (java.util.List<Map<String, Object>>) metric.get("measurements");
        assertThat(((Number) measurements.get(0).get("value")).doubleValue()).isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void directFinchCallsAreObservedAsHttpClientRequests() {
        app().get().uri("/demo/plain?pool=h2").retrieve().toBodilessEntity();
        Map<String, Object> metric = app().get()
                .uri("/actuator/metrics/http.client.requests?tag=uri:none&tag=client.name:127.0.0.1")
                .retrieve()
                .body(JSON);
        assertThat(metric).containsEntry("name", "http.client.requests");
    }
}

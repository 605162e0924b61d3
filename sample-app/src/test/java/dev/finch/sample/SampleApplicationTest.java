package dev.finch.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.web.client.RestClient;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SampleApplicationTest {
    @LocalServerPort
    int port;

    @Test
    void connectionDemoCallsTheUpstreamThroughFinch() {
        Map<String, Object> result = RestClient.create("http://127.0.0.1:" + port)
                .get()
                .uri("/demo/connection")
                .retrieve()
                .body(new ParameterizedTypeReference<Map<String, Object>>() {});
        assertThat(result)
                .containsEntry("status", 200)
                .containsEntry("body", "hello from the upstream")
                .containsEntry("protocol", "http/1.1");
    }

    @Test
    void healthIsUp() {
        String health = RestClient.create("http://127.0.0.1:" + port)
                .get()
                .uri("/actuator/health")
                .retrieve()
                .body(String.class);
        assertThat(health).contains("\"status\":\"UP\"");
    }
}

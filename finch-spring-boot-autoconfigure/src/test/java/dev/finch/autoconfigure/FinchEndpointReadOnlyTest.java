package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

/**
 * The finch endpoint as an application gets it without opting in to writes: readable, its write operation absent;
 * a configured pool that pool-max-idle-time stopped is still listed and readable, as stopped.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        classes = FinchEndpointReadOnlyTest.App.class,
        properties = {
            "management.endpoints.web.exposure.include=finch",
            "finch.pools.api.url=http://127.0.0.1:1",
            "finch.pools.idle.url=http://127.0.0.1:2",
            "finch.pools.idle.size=7",
            "finch.pools.idle.pool-max-idle-time=100ms",
            "finch.rest-client.enabled=false"
        })
class FinchEndpointReadOnlyTest {
    private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {};

    @LocalServerPort
    int port;

    @Autowired
    FinchClient finch;

    private RestClient app() {
        return RestClient.builder()
                .baseUrl("http://127.0.0.1:" + port)
                .defaultStatusHandler(HttpStatusCode::isError, (req, res) -> {})
                .build();
    }

    @Test
    void theWriteOperationIsNotReachableByDefault() {
        PoolKey api = PoolKey.of("http://127.0.0.1:1");
        int status = app().post()
                .uri("/actuator/finch/api")
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("count", 3))
                .retrieve()
                .toBodilessEntity()
                .getStatusCode()
                .value();
        assertThat(status).isEqualTo(405);
        assertThat(finch.poolCount(api)).hasValue(1);
        assertThat(app().get().uri("/actuator/finch/api").retrieve().body(JSON))
                .containsEntry("state", FinchEndpoint.RUNNING)
                .containsEntry("count", 1);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aStoppedConfiguredPoolIsListedAndReadableAsStopped() throws Exception {
        FinchActuatorIntegrationTest.awaitStopped(finch, PoolKey.of("http://127.0.0.1:2"));

        Map<String, Object> pools = (Map<String, Object>)
                app().get().uri("/actuator/finch").retrieve().body(JSON).get("pools");
        assertThat(pools).containsKeys("api", "idle");
        assertThat((Map<String, Object>) pools.get("idle")).containsEntry("state", FinchEndpoint.STOPPED);

        var response = app().get().uri("/actuator/finch/idle").retrieve().toEntity(JSON);
        assertThat(response.getStatusCode().value()).isEqualTo(200);
        Map<String, Object> idle = response.getBody();
        assertThat(idle)
                .containsEntry("url", "http://127.0.0.1:2")
                .containsEntry("state", FinchEndpoint.STOPPED)
                .containsEntry("count", 0)
                .containsEntry("shards", List.of());
        assertThat((Map<String, Object>) idle.get("configuration")).containsEntry("size", 7);
    }

    @SpringBootApplication
    static class App {}
}

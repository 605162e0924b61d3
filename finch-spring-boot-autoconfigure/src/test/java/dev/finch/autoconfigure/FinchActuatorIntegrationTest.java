package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import dev.finch.http.TransportException;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/**
 * The finch endpoint (with its write operation allowed), health and meters over a real port, with requests to the test
 * app's own server.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        classes = FinchActuatorIntegrationTest.App.class,
        properties = {
            "management.endpoints.web.exposure.include=health,metrics,finch",
            "management.endpoint.health.show-details=always",
            "management.endpoint.finch.access=unrestricted",
            "spring.web.error.include-message=always",
            "finch.pools.idle.url=http://127.0.0.1:2",
            "finch.pools.idle.pool-max-idle-time=100ms",
            "finch.pools.dead.url=http://127.0.0.1:1",
            "finch.pools.dead.size=2",
            "finch.pools.dead-h2.url=http://127.0.0.1:1",
            "finch.pools.dead-h2.protocols=http2",
            "finch.pools.dead-h2.tag=h2",
            "finch.rest-client.enabled=false"
        })
class FinchActuatorIntegrationTest {
    private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {};

    @LocalServerPort
    int port;

    @Autowired
    FinchClient finch;

    @Autowired
    MeterRegistry registry;

    @Autowired
    FinchMeters meters;

    private RestClient app() {
        return RestClient.builder()
                .baseUrl("http://127.0.0.1:" + port)
                .defaultStatusHandler(HttpStatusCode::isError, (req, res) -> {})
                .build();
    }

    private String ownPoolName() {
        return "http-127.0.0.1-" + port;
    }

    private void callOwnServer() throws Exception {
        assertThat(finch.request(Request.get("http://127.0.0.1:" + port + "/hello"))
                        .bodyText())
                .isEqualTo("hello");
    }

    @Test
    @SuppressWarnings("unchecked")
    void endpointListsEveryRunningPoolWithConfigurationAndShards() throws Exception {
        callOwnServer();
        Map<String, Object> body = app().get().uri("/actuator/finch").retrieve().body(JSON);
        Map<String, Object> pools = (Map<String, Object>) body.get("pools");
        assertThat(pools).containsKeys("dead", ownPoolName());
        Map<String, Object> own = (Map<String, Object>) pools.get(ownPoolName());
        assertThat(own).containsEntry("url", "http://127.0.0.1:" + port).containsEntry("tag", "default");
        assertThat((Map<String, Object>) own.get("configuration"))
                .containsEntry("size", 50)
                .containsEntry("protocols", List.of("http/1.1"));
        List<Map<String, Object>> shards = (List<Map<String, Object>>) own.get("shards");
        assertThat(shards).hasSize(1);
        assertThat(shards.get(0))
                .containsEntry("protocol", "http/1.1")
                .containsEntry("idle", 1)
                .containsEntry("inUse", 0);
    }

    @Test
    void endpointReadsOnePoolBySelectorAnd404sForUnknownOnes() {
        Map<String, Object> dead =
                app().get().uri("/actuator/finch/dead").retrieve().body(JSON);
        assertThat(dead).containsEntry("url", "http://127.0.0.1:1").containsEntry("count", 1);
        assertThat(app().get()
                        .uri("/actuator/finch/nope")
                        .retrieve()
                        .toBodilessEntity()
                        .getStatusCode()
                        .value())
                .isEqualTo(404);
    }

    @Test
    void writeOperationChangesAPoolsCountAndItsMeters() throws Exception {
        callOwnServer();
        Map<String, Object> changed = app().post()
                .uri("/actuator/finch/" + ownPoolName())
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("count", 3))
                .retrieve()
                .body(JSON);
        assertThat(changed).containsEntry("count", 3);
        assertThat(finch.poolCount(PoolKey.of("http://127.0.0.1:" + port))).hasValue(3);
        assertThat(registry.find("finch.pool.size")
                        .tag("pool", "http://127.0.0.1:" + port)
                        .gauges())
                .hasSize(3);
        assertThat(app().post()
                        .uri("/actuator/finch/" + ownPoolName())
                        .contentType(MediaType.APPLICATION_JSON)
                        .body(Map.of("count", 0))
                        .retrieve()
                        .toBodilessEntity()
                        .getStatusCode()
                        .value())
                .isEqualTo(400);
        finch.setPoolCount(PoolKey.of("http://127.0.0.1:" + port), 1);
    }

    @Test
    void writingToAnUnknownPoolAnswers404AndChangesNothing() {
        assertThat(app().post()
                        .uri("/actuator/finch/nope")
                        .contentType(MediaType.APPLICATION_JSON)
                        .body(Map.of("count", 2))
                        .retrieve()
                        .toBodilessEntity()
                        .getStatusCode()
                        .value())
                .isEqualTo(404);
    }

    @Test
    void writingToAStoppedConfiguredPoolIsRefusedWithAClearMessage() throws Exception {
        awaitStopped(finch, PoolKey.of("http://127.0.0.1:2"));
        var response = app().post()
                .uri("/actuator/finch/idle")
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("count", 2))
                .retrieve()
                .toEntity(String.class);
        assertThat(response.getStatusCode().value()).isEqualTo(400);
        assertThat(response.getBody()).contains("pool idle is stopped");
        assertThat(finch.findPool(PoolKey.of("http://127.0.0.1:2"))).isEmpty();
    }

    /** Waits, bounded, until pool-max-idle-time stopped the pool for {@code key}. */
    static void awaitStopped(FinchClient finch, PoolKey key) throws InterruptedException {
        for (int i = 0; i < 200 && finch.findPool(key).isPresent(); i++) {
            Thread.sleep(25);
        }
        assertThat(finch.findPool(key)).as("pool %s stopped", key).isEmpty();
    }

    @Test
    @SuppressWarnings("unchecked")
    void healthIsDownForAPoolWhoseConnectionsFailAndUpForAWorkingOne() throws Exception {
        callOwnServer();
        expectFailure(() -> finch.request(Request.get("http://127.0.0.1:1/")));
        expectFailureOrPoolError(() -> finch.request(
                Request.builder("GET", "http://127.0.0.1:1/").poolTag("h2").build()));
        var response = app().get().uri("/actuator/health/finch").retrieve().toEntity(JSON);
        assertThat(response.getStatusCode().value()).isEqualTo(503);
        Map<String, Object> components =
                (Map<String, Object>) response.getBody().get("components");
        Map<String, Object> dead = (Map<String, Object>) components.get("dead");
        assertThat(dead).containsEntry("status", "DOWN");
        assertThat((Map<String, Object>) dead.get("details")).containsKeys("connectFailures", "lastConnectError");
        // Pools of unconfigured origins are not part of health (finch.health.include-default-pools).
        assertThat(components).doesNotContainKey(ownPoolName());
        // An HTTP/2 pool is down when its connection is gone because connecting failed.
        Map<String, Object> deadH2 = (Map<String, Object>) components.get("dead-h2");
        assertThat(deadH2.get("status")).isEqualTo("DOWN");
        assertThat((Map<String, Object>) deadH2.get("details")).containsEntry("protocol", "h2");
    }

    @Test
    void metersCountPoolsConnectionsAndErrors() throws Exception {
        callOwnServer();
        expectFailure(() -> finch.request(Request.get("http://127.0.0.1:1/")));
        String pool = "http://127.0.0.1:" + port;
        assertThat(registry.get("finch.pool.connections")
                        .tags("pool", pool, "tag", "default", "shard", "1", "state", "idle")
                        .gauge()
                        .value())
                .isEqualTo(1.0);
        assertThat(registry.get("finch.pool.size").tags("pool", pool).gauge().value())
                .isEqualTo(50.0);
        assertThat(registry.get("finch.connect.duration")
                        .tags("pool", pool, "outcome", "success")
                        .timer()
                        .count())
                .isGreaterThanOrEqualTo(1);
        assertThat(registry.get("finch.errors")
                        .tags("pool", "http://127.0.0.1:1", "phase", "connect", "reason", "CONNECT_FAILED")
                        .counter()
                        .count())
                .isGreaterThanOrEqualTo(1.0);
        Map<String, Object> metric = app().get()
                .uri("/actuator/metrics/finch.pool.connections?tag=state:idle&tag=pool:" + pool)
                .retrieve()
                .body(JSON);
        assertThat(metric).containsEntry("name", "finch.pool.connections");
    }

    @Test
    void poolsStoppedInCodeLoseTheirMetersAtOnce() throws Exception {
        String url = "http://127.0.0.1:" + port;
        Request request =
                Request.builder("GET", url + "/hello").poolTag("stop-me").build();
        assertThat(finch.request(request).status()).isEqualTo(200);
        assertThat(registry.find("finch.pool.size")
                        .tags("pool", url, "tag", "stop-me")
                        .gauges())
                .hasSize(1);
        assertThat(finch.stopPool(PoolKey.of(url, "stop-me"))).isTrue();
        assertThat(registry.find("finch.pool.size")
                        .tags("pool", url, "tag", "stop-me")
                        .gauges())
                .isEmpty();
    }

    /** A request to a dead HTTP/2 pool fails with the connect error or with the pool's DISCONNECTED backoff. */
    private static void expectFailureOrPoolError(Executable call) {
        try {
            call.execute();
        } catch (java.io.IOException expected) {
            return;
        } catch (Throwable t) {
            throw new AssertionError("expected an IOException", t);
        }
        throw new AssertionError("expected an IOException");
    }

    private static void expectFailure(Executable call) {
        try {
            call.execute();
        } catch (TransportException expected) {
            return;
        } catch (Throwable t) {
            throw new AssertionError("expected a TransportException", t);
        }
        throw new AssertionError("expected a TransportException");
    }

    @SpringBootApplication
    @RestController
    static class App {
        @GetMapping("/hello")
        String hello() {
            return "hello";
        }
    }
}

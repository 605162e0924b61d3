package dev.finch.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.FinchClient;
import dev.finch.Request;
import dev.finch.RequestOptions;
import dev.finch.client.Recorder;
import dev.finch.telemetry.FinchEvent;
import dev.finch.testing.JettyServer;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Shard strategies for count > 1: random, round-robin, hash, custom; per pool and per request. */
class StrategyTest {
    private static JettyServer server;
    private final Recorder events = new Recorder();

    @BeforeAll
    static void start() {
        server = JettyServer.http();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void clear() {
        events.clear();
    }

    private FinchClient client(PoolStrategy strategy) {
        PoolConfig.Builder config = PoolConfig.builder().count(4);
        if (strategy != null) {
            config.strategy(strategy);
        }
        return FinchClient.builder()
                .defaultPool(config.build())
                .listener(events)
                .build();
    }

    private List<Integer> shardsUsed() {
        return events.of(FinchEvent.QueueStart.class).stream()
                .map(FinchEvent.QueueStart::poolIndex)
                .toList();
    }

    @Test
    void randomIsTheDefaultAndReachesEveryShard() throws Exception {
        try (FinchClient client = client(null)) {
            for (int i = 0; i < 200; i++) {
                client.request(Request.get(server.baseUrl() + "/bytes/1"));
            }
        }

        assertThat(Set.copyOf(shardsUsed())).containsExactlyInAnyOrder(1, 2, 3, 4);
    }

    @Test
    void roundRobinTakesShardsInTurn() throws Exception {
        try (FinchClient client = client(PoolStrategy.roundRobin())) {
            for (int i = 0; i < 8; i++) {
                client.request(Request.get(server.baseUrl() + "/bytes/1"));
            }
        }

        assertThat(shardsUsed()).containsExactly(1, 2, 3, 4, 1, 2, 3, 4);
    }

    @Test
    void hashSendsEqualKeysToTheSameShard() throws Exception {
        PoolStrategy byTenant = PoolStrategy.hash(r -> r.headers().first("x-tenant"));
        try (FinchClient client = client(byTenant)) {
            for (int i = 0; i < 20; i++) {
                String tenant = "tenant-" + (i % 3);
                client.request(Request.builder("GET", server.baseUrl() + "/bytes/1")
                        .header("x-tenant", tenant)
                        .build());
            }
        }

        List<Integer> shards = shardsUsed();
        for (int i = 3; i < shards.size(); i++) {
            assertThat(shards.get(i)).isEqualTo(shards.get(i % 3));
        }
    }

    @Test
    void customStrategySeesTheRequest() throws Exception {
        PoolStrategy byMethod = (request, count) -> request.method().equals("GET") ? 0 : count - 1;
        try (FinchClient client = client(byMethod)) {
            client.request(Request.get(server.baseUrl() + "/bytes/1"));
            client.request(Request.delete(server.baseUrl() + "/bytes/1"));
        }

        assertThat(shardsUsed()).containsExactly(1, 4);
    }

    @Test
    void requestOptionsOverrideThePoolStrategy() throws Exception {
        RequestOptions last =
                RequestOptions.builder().strategy((request, count) -> count - 1).build();
        try (FinchClient client = client(PoolStrategy.roundRobin())) {
            client.request(Request.get(server.baseUrl() + "/bytes/1"), last);
            client.request(Request.get(server.baseUrl() + "/bytes/1"), last);
        }

        assertThat(shardsUsed()).containsExactly(4, 4);
    }

    @Test
    void strategyAnsweringAShardOutOfRangeIsABug() {
        try (FinchClient client = client((request, count) -> count)) {
            assertThatThrownBy(() -> client.request(Request.get(server.baseUrl() + "/bytes/1")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("shard 4 of 4");
        }
    }

    @Test
    void eachShardHasItsOwnConnections() throws Exception {
        try (FinchClient client = client(PoolStrategy.roundRobin())) {
            for (int i = 0; i < 8; i++) {
                client.request(Request.get(server.baseUrl() + "/bytes/1"));
            }
        }

        assertThat(events.of(FinchEvent.ConnectStart.class).stream()
                        .map(FinchEvent.ConnectStart::poolIndex)
                        .collect(Collectors.toList()))
                .containsExactly(1, 2, 3, 4);
    }
}

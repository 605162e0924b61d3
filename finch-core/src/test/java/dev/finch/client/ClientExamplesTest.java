package dev.finch.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.AsyncRef;
import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import dev.finch.Response;
import dev.finch.testing.JettyServer;
import dev.finch.testing.TestRoutes;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the examples of docs/client.md against Jetty. */
class ClientExamplesTest {
    private static JettyServer server;
    private static FinchClient client;
    private static String base;

    @BeforeAll
    static void start() {
        server = JettyServer.http();
        base = server.baseUrl();
        client = FinchClient.builder().build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    @Test
    void quickStart() throws Exception {
        assertThat(ClientExamples.quickStart(base)).isEqualTo("200 5 bytes");
    }

    @Test
    void streamToFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("body");

        assertThat(ClientExamples.streamToFile(client, base + "/chunked/100000", file))
                .isEqualTo(100_000);
        assertThat(Files.readAllBytes(file)).isEqualTo(TestRoutes.bytes(100_000));
    }

    @Test
    void streamWhile() throws Exception {
        byte[] head = ClientExamples.firstBytes(client, base + "/chunked/1000000");

        assertThat(head.length).isBetween(1024, 1024 + 8192);
    }

    @Test
    void upload() throws Exception {
        byte[] body = TestRoutes.bytes(50_000);

        assertThat(ClientExamples.upload(client, base + "/echo", new ByteArrayInputStream(body))
                        .body())
                .isEqualTo(body);
    }

    @Test
    void async() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        AsyncRef ref = ClientExamples.async(client, base + "/trailers", seen);

        Await.until(ref::isDone, Duration.ofSeconds(10), "the async request");
        Await.until(() -> seen.contains("complete"), Duration.ofSeconds(10), "completion");
        assertThat(seen).startsWith("Status", "Headers").endsWith("Trailers", "complete");
    }

    @Test
    void future() throws Exception {
        assertThat(ClientExamples.future(client, base + "/status/201").get(10, TimeUnit.SECONDS))
                .isEqualTo(201);
    }

    @Test
    void errors() {
        assertThat(ClientExamples.errors(client, base + "/status/503")).isEqualTo("server error 503");
        assertThat(ClientExamples.errors(client, "http://127.0.0.1:1/")).isEqualTo("network: CONNECT_FAILED");
    }

    @Test
    void telemetry() throws Exception {
        LongAdder slow = new LongAdder();
        try (FinchClient c = ClientExamples.withTelemetry(slow)) {
            c.request(Request.get(base + "/slow/1100"));
        }

        assertThat(slow.sum()).isEqualTo(1);
    }

    @Test
    void interceptor() throws Exception {
        List<String> finished = new CopyOnWriteArrayList<>();
        ClientExamples.CURRENT_SPAN.set("caller-span");
        try (FinchClient c = ClientExamples.withInterceptor(finished)) {
            Response r = c.requestAsync(Request.get(base + "/echo")).get(10, TimeUnit.SECONDS);

            assertThat(r.header("X-Echo-x-parent-span")).isEqualTo("caller-span");
            assertThat(finished).containsExactly(r.header("X-Echo-x-span") + " 200");
        } finally {
            ClientExamples.CURRENT_SPAN.remove();
        }
    }

    @Test
    void management() throws Exception {
        PoolKey bulk = PoolKey.of(base, "bulk");

        assertThat(ClientExamples.management(client, base).get(bulk)).hasSize(4);
        assertThat(client.findPool(bulk)).isEmpty();
    }

    @Test
    void strategies() {
        assertThat(ClientExamples.strategies().count()).isEqualTo(4);
    }
}

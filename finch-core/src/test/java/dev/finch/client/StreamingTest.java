package dev.finch.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.Body;
import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import dev.finch.Step;
import dev.finch.StreamPart;
import dev.finch.pool.Http1PoolMetrics;
import dev.finch.pool.PoolConfig;
import dev.finch.telemetry.FinchEvent;
import dev.finch.testing.JettyServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** stream and streamWhile: parts in order, halting, request body producers. */
class StreamingTest {
    private JettyServer server;
    private FinchClient client;
    private Recorder events;
    private String base;

    @BeforeEach
    void start() {
        server = JettyServer.http();
        base = server.baseUrl();
        events = new Recorder();
        client = FinchClient.builder()
                .defaultPool(PoolConfig.builder().startPoolMetrics(true).build())
                .listener(events)
                .build();
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    @Test
    void streamDeliversStatusHeadersDataAndTrailersInOrder() throws Exception {
        List<String> kinds = client.stream(Request.get(base + "/trailers"), new ArrayList<String>(), (part, acc) -> {
            acc.add(part.getClass().getSimpleName());
            return acc;
        });

        assertThat(kinds.get(0)).isEqualTo("Status");
        assertThat(kinds.get(1)).isEqualTo("Headers");
        assertThat(kinds.subList(2, kinds.size() - 1)).containsOnly("Data").isNotEmpty();
        assertThat(kinds.get(kinds.size() - 1)).isEqualTo("Trailers");
    }

    @Test
    void streamFoldsTheBody() throws Exception {
        ByteArrayOutputStream out =
                client.stream(Request.get(base + "/chunked/50000"), new ByteArrayOutputStream(), (part, acc) -> {
                    if (part instanceof StreamPart.Data d) {
                        acc.writeBytes(d.bytes());
                    }
                    return acc;
                });

        assertThat(out.size()).isEqualTo(50_000);
    }

    @Test
    void whatTheStreamFunctionThrowsEndsTheRequestAndClosesTheConnection() throws Exception {
        IOException boom = new IOException("disk full");

        assertThatThrownBy(() -> client.stream(Request.get(base + "/chunked/100000"), 0, (part, acc) -> {
                    if (part instanceof StreamPart.Data) {
                        throw boom;
                    }
                    return acc;
                }))
                .isSameAs(boom);
        assertThat(idleConnections()).isZero();
        assertThat(events.of(FinchEvent.RequestException.class)).hasSize(1);
    }

    @Test
    void streamWhileHaltReturnsTheAccumulatorAndClosesTheConnection() throws Exception {
        int pieces = client.streamWhile(
                Request.get(base + "/chunked/1000000"),
                0,
                (part, acc) -> part instanceof StreamPart.Data ? Step.halt(acc + 1) : Step.cont(acc));

        assertThat(pieces).isEqualTo(1);
        assertThat(idleConnections()).isZero();
        client.request(Request.get(base + "/bytes/1"));
        assertThat(events.of(FinchEvent.ConnectStart.class)).hasSize(2); // the halted connection was not reused
    }

    @Test
    void streamWhileWithoutHaltReadsEverything() throws Exception {
        int bytes = client.streamWhile(
                Request.get(base + "/bytes/30000"),
                0,
                (part, acc) -> part instanceof StreamPart.Data d ? Step.cont(acc + d.bytes().length) : Step.cont(acc));

        assertThat(bytes).isEqualTo(30_000);
        assertThat(idleConnections()).isEqualTo(1);
    }

    @Test
    void bodyProducerSendsChunksFromTheAccumulator() throws Exception {
        Request upload = Request.post(
                base + "/echo",
                Body.ofProducer((List<String> acc) -> acc.size() < 3
                        ? Body.data(("part" + acc.size() + ";").getBytes(StandardCharsets.UTF_8), append(acc, "sent"))
                        : Body.done(append(acc, "done"))));

        StringBuilder echoed = new StringBuilder();
        List<String> acc = client.streamWhile(upload, List.<String>of(), (part, a) -> {
            if (part instanceof StreamPart.Data d) {
                echoed.append(new String(d.bytes(), StandardCharsets.UTF_8));
            }
            return Step.cont(a);
        });

        assertThat(echoed).hasToString("part0;part1;part2;");
        assertThat(acc).containsExactly("sent", "sent", "sent", "done");
    }

    @Test
    void bodyProducerHaltCancelsTheRequest() throws Exception {
        Request upload = Request.post(base + "/echo", Body.ofProducer((Integer n) -> Body.halt(n + 1)));

        int acc = client.streamWhile(upload, 41, (part, a) -> Step.cont(a + 1000));

        assertThat(acc).isEqualTo(42);
        assertThat(idleConnections()).isZero();
    }

    @Test
    void bodyProducerOutsideStreamWhileIsRefused() {
        Request upload = Request.post(base + "/echo", Body.ofProducer((Integer n) -> Body.done(n)));

        assertThatThrownBy(() -> client.request(upload))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("streamWhile");
    }

    private int idleConnections() {
        return client.poolStatus(PoolKey.of(base)).orElseThrow().stream()
                .mapToInt(m -> ((Http1PoolMetrics) m).idleConnections())
                .sum();
    }

    private static List<String> append(List<String> list, String s) {
        List<String> out = new ArrayList<>(list);
        out.add(s);
        return out;
    }
}

package dev.finch.pool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.Body;
import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import dev.finch.Response;
import dev.finch.client.Recorder;
import dev.finch.conn.Protocol;
import dev.finch.testing.JettyServer;
import dev.finch.testing.TestRoutes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP/2 pool against Jetty's h2c. */
class Http2PoolTest {
    private final Recorder events = new Recorder();
    private JettyServer server;
    private FinchClient client;
    private String base;

    @BeforeEach
    void start() {
        server = JettyServer.h2c();
        base = server.baseUrl();
        client = FinchClient.builder()
                .defaultPool(PoolConfig.builder()
                        .protocols(Protocol.HTTP2)
                        .startPoolMetrics(true)
                        .build())
                .listener(events)
                .build();
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    @Test
    void getOverH2c() throws Exception {
        Response r = client.request(Request.get(base + "/echo?x=1"));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("x-echo-protocol")).isEqualTo("HTTP/2.0");
        assertThat(r.header("x-echo-uri")).isEqualTo("/echo?x=1");
    }

    @Test
    void postAndBigResponse() throws Exception {
        assertThat(client.request(Request.post(base + "/echo", Body.of("hi"))).bodyText())
                .isEqualTo("hi");
        assertThat(client.request(Request.get(base + "/bytes/1000000")).body()).isEqualTo(TestRoutes.bytes(1_000_000));
        System.out.println(events.names());
        System.out.println(client.poolStatus(PoolKey.of(base)));
    }
}

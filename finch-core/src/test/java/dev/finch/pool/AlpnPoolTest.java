package dev.finch.pool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.Body;
import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import dev.finch.Response;
import dev.finch.client.Recorder;
import dev.finch.conn.ConnectOptions;
import dev.finch.conn.Protocol;
import dev.finch.telemetry.FinchEvent;
import dev.finch.testing.JettyServer;
import dev.finch.testing.TestCertificates;
import dev.finch.testing.TestRoutes;
import dev.finch.transport.TlsOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Protocols HTTP/1 and HTTP/2 over TLS: ALPN decides, and when it chooses h2 the requests are multiplexed on one
 * connection (Finch keeps one request per connection there, and breaks bodies over 64 KiB: finch#265).
 */
class AlpnPoolTest {
    private static final ConnectOptions TRUST_TEST_CA = ConnectOptions.builder()
            .tls(TlsOptions.builder().trustPem(TestCertificates.get().caPem()).build())
            .build();

    private final Recorder events = new Recorder();
    private JettyServer server;
    private FinchClient client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private String start(JettyServer s) {
        server = s;
        client = FinchClient.builder()
                .defaultPool(PoolConfig.builder()
                        .protocols(Protocol.HTTP1, Protocol.HTTP2)
                        .connectOptions(TRUST_TEST_CA)
                        .startPoolMetrics(true)
                        .build())
                .listener(events)
                .build();
        return "https://localhost:" + s.port();
    }

    @Test
    void whenAlpnChoosesH2RequestsAreMultiplexedOnOneConnection() throws Exception {
        String base = start(JettyServer.h2());
        assertThat(client.request(Request.get(base + "/echo")).header("x-echo-protocol"))
                .isEqualTo("HTTP/2.0");
        int connectsBefore = events.of(FinchEvent.ConnectStart.class).size();

        List<CompletableFuture<Response>> all = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            all.add(client.requestAsync(Request.get(base + "/slow/100")));
        }
        for (CompletableFuture<Response> f : all) {
            assertThat(f.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        }

        assertThat(events.of(FinchEvent.ConnectStart.class)).hasSize(connectsBefore);
        assertThat(client.poolStatus(PoolKey.of(base)).orElseThrow())
                .singleElement()
                .isInstanceOf(Http2PoolMetrics.class);
    }

    @Test
    void bodiesOver64KibCrossAnAlpnChosenH2Connection() throws Exception {
        String base = start(JettyServer.h2());
        byte[] upload = TestRoutes.bytes(300_000);

        Response echoed = client.request(Request.post(base + "/echo", Body.of(upload)));
        Response download = client.request(Request.get(base + "/bytes/2000000"));

        assertThat(echoed.body()).isEqualTo(upload);
        assertThat(download.body()).isEqualTo(TestRoutes.bytes(2_000_000));
        assertThat(download.header("content-length")).isEqualTo("2000000");
    }

    @Test
    void whenAlpnChoosesHttp1ThePoolStaysAnHttp1Pool() throws Exception {
        String base = start(JettyServer.https()); // offers no h2

        Response r = client.request(Request.get(base + "/echo"));

        assertThat(r.header("x-echo-protocol")).isEqualTo("HTTP/1.1");
        assertThat(client.poolStatus(PoolKey.of(base)).orElseThrow())
                .singleElement()
                .isInstanceOf(Http1PoolMetrics.class);
    }
}

package dev.finch.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.finch.FinchClient;
import dev.finch.Request;
import dev.finch.RequestOptions;
import dev.finch.conn.ConnectOptions;
import dev.finch.conn.Proxy;
import dev.finch.pool.FinchException;
import dev.finch.pool.PoolConfig;
import dev.finch.testing.JettyServer;
import dev.finch.testing.TestCertificates;
import dev.finch.testing.TestProxy;
import dev.finch.transport.TlsOptions;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A request through a proxy is bounded by its request timeout, whatever the proxy does. */
class ProxyRequestDeadlineTest {
    private static final TlsOptions TRUST_TEST_CA =
            TlsOptions.builder().trustPem(TestCertificates.get().caPem()).build();

    private JettyServer server;
    private TestProxy proxy;
    private FinchClient client;

    @AfterEach
    void stop() throws InterruptedException {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    /**
     * RequestOptions promises requestTimeout bounds "the whole request, from the call to the last byte" (REQUEST_TIMEOUT),
     * and the connect must fit it (finch#26). ProxyTunnel.open once waited for the proxy with the proxy's own
     * tunnelTimeout only, so a stalled proxy held a request with a 300 ms request timeout for the whole tunnel timeout
     * (5 s here, 30 s by default) and then failed with PROXY_TUNNEL_TIMEOUT instead.
     */
    @Test
    void aStalledProxyEndsARequestAtItsRequestTimeout() throws Exception {
        server = JettyServer.https();
        proxy = TestProxy.builder().stall().start();
        client = FinchClient.builder()
                .defaultPool(PoolConfig.builder()
                        .connectOptions(ConnectOptions.builder()
                                .tls(TRUST_TEST_CA)
                                .proxy(Proxy.http("127.0.0.1", proxy.port())
                                        .tunnelTimeout(Duration.ofSeconds(5))
                                        .build())
                                .build())
                        .build())
                .build();
        RequestOptions options =
                RequestOptions.builder().requestTimeout(Duration.ofMillis(300)).build();

        long start = System.nanoTime();
        Throwable thrown = assertTimeoutPreemptively(Duration.ofSeconds(15), () -> {
            try {
                client.request(Request.get(server.baseUrl() + "/bytes/1"), options);
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(took).as("a request with requestTimeout 300 ms took " + took).isLessThan(Duration.ofSeconds(2));
        assertThat(thrown).isInstanceOfSatisfying(FinchException.class, e -> assertThat(e.reason())
                .isEqualTo(FinchException.Reason.REQUEST_TIMEOUT));
    }
}

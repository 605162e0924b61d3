package dev.finch.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.finch.FinchClient;
import dev.finch.Request;
import dev.finch.RequestOptions;
import dev.finch.Response;
import dev.finch.conn.ConnectOptions;
import dev.finch.conn.Protocol;
import dev.finch.conn.Proxy;
import dev.finch.conn.ProxyConfig;
import dev.finch.http.ProxyTunnelException;
import dev.finch.pool.FinchException;
import dev.finch.pool.PoolConfig;
import dev.finch.telemetry.FinchEvent;
import dev.finch.testing.JettyServer;
import dev.finch.testing.TestCertificates;
import dev.finch.testing.TestProxy;
import dev.finch.transport.TlsOptions;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link FinchClient} pools through a proxy: the proxy is per pool (in its connect options), the pool key stays the
 * target's origin, connections through the proxy are reused, and proxy failures surface typed from {@code request}.
 */
class ProxyClientTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final TlsOptions TRUST_TEST_CA =
            TlsOptions.builder().trustPem(TestCertificates.get().caPem()).build();

    private final Recorder events = new Recorder();
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
            assertThat(proxy.errors()).isEmpty();
        }
    }

    @Test
    void anHttpsPoolGoesThroughTheProxyAndReusesTheTunnel() throws Exception {
        server = JettyServer.https();
        proxy = TestProxy.start();
        // tag::pool-proxy[]
        Proxy corporate = Proxy.http("127.0.0.1", proxy.port())
                .basicAuth("ann", "secret")
                .tunnelTimeout(Duration.ofSeconds(10))
                .build();
        client = FinchClient.builder()
                .pool(
                        server.baseUrl(),
                        PoolConfig.builder()
                                .connectOptions(ConnectOptions.builder()
                                        .tls(TRUST_TEST_CA)
                                        .proxy(ProxyConfig.all(corporate).withNonProxyHosts("*.internal.example"))
                                        .build())
                                .build())
                .build();
        // end::pool-proxy[]

        for (int i = 0; i < 3; i++) {
            assertThat(client.request(Request.get(server.baseUrl() + "/bytes/10"))
                            .status())
                    .isEqualTo(200);
        }
        assertThat(proxy.drainRequests())
                .extracting(TestProxy.Head::requestLine)
                .containsExactly("CONNECT 127.0.0.1:" + server.port() + " HTTP/1.1");
        assertThat(proxy.connections()).isEqualTo(1);
    }

    @Test
    void anHttp2PoolRunsItsConnectionThroughTheTunnel() throws Exception {
        server = JettyServer.h2();
        proxy = TestProxy.start();
        client = http2PoolThroughProxy();

        Response r = client.request(Request.get(server.baseUrl() + "/echo"));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers().first("x-echo-protocol")).isEqualTo("HTTP/2.0");
        assertThat(proxy.takeRequest(WAIT).requestLine()).startsWith("CONNECT 127.0.0.1:" + server.port());
    }

    @Test
    void theDefaultPoolForwardsHttpRequestsThroughTheProxy() throws Exception {
        server = JettyServer.http();
        proxy = TestProxy.start();
        client = FinchClient.builder()
                .defaultPool(PoolConfig.builder()
                        .connectOptions(ConnectOptions.builder()
                                .proxy(Proxy.http("127.0.0.1", proxy.port())
                                        .header("proxy-authorization", "Bearer t0ken")
                                        .build())
                                .build())
                        .build())
                .build();

        Response r = client.request(Request.get(server.baseUrl() + "/echo?q=1"));

        assertThat(r.headers().first("x-echo-uri")).isEqualTo("/echo?q=1");
        TestProxy.Head head = proxy.takeRequest(WAIT);
        assertThat(head.requestLine()).isEqualTo("GET " + server.baseUrl() + "/echo?q=1 HTTP/1.1");
        assertThat(head.header("proxy-authorization")).isEqualTo("Bearer t0ken");
    }

    @Test
    void aProxyRefusalSurfacesTypedFromRequestAndInTheConnectEvent() throws Exception {
        server = JettyServer.https();
        proxy = TestProxy.builder().requireBasicAuth("ann", "secret").start();
        client = FinchClient.builder()
                .defaultPool(PoolConfig.builder()
                        .connectOptions(ConnectOptions.builder()
                                .tls(TRUST_TEST_CA)
                                .proxy(Proxy.http("127.0.0.1", proxy.port()).build())
                                .build())
                        .build())
                .listener(events)
                .build();

        String url = server.baseUrl() + "/bytes/1";
        int status = 0;
        String challenge = null;
        // tag::refused[]
        try {
            client.request(Request.get(url));
        } catch (ProxyTunnelException e) { // the proxy answered CONNECT with a non-2xx status
            status = e.status(); // 407
            challenge = e.headers().first("proxy-authenticate"); // Basic realm="..."
        }
        // end::refused[]

        assertThat(status).isEqualTo(407);
        assertThat(challenge).isEqualTo("Basic realm=\"finch-test\"");
        FinchEvent.ConnectStop stop = events.await(FinchEvent.ConnectStop.class, e -> true, WAIT);
        assertThat(stop.error()).isInstanceOf(ProxyTunnelException.class);
        assertThat(proxy.awaitClientClose(WAIT)).isTrue();
    }

    @Test
    void anHttp2PoolWhoseTunnelIsRefusedReportsTheProxyErrorAsCause() throws Exception {
        server = JettyServer.h2();
        proxy = TestProxy.builder()
                .answerConnect("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                .start();
        client = http2PoolThroughProxy();

        assertThatThrownBy(() -> client.request(Request.get(server.baseUrl() + "/echo")))
                .isInstanceOf(FinchException.class)
                .cause()
                .isInstanceOfSatisfying(
                        ProxyTunnelException.class, e -> assertThat(e.status()).isEqualTo(403));
    }

    @Test
    void theJdkProxyPropertiesApplyOnlyWhenAskedFor() throws Exception {
        server = JettyServer.http();
        proxy = TestProxy.start();
        Properties saved = (Properties) System.getProperties().clone();
        try {
            System.setProperty("http.proxyHost", "127.0.0.1");
            System.setProperty("http.proxyPort", Integer.toString(proxy.port()));
            // Empty: loopback goes through the proxy too (as in the JDK; set or unset, loopback goes direct).
            System.setProperty("http.nonProxyHosts", "");

            // Not asked: a direct connection, whatever the properties say.
            try (FinchClient direct = FinchClient.builder().build()) {
                assertThat(direct.request(Request.get(server.baseUrl() + "/bytes/1"))
                                .status())
                        .isEqualTo(200);
            }
            assertThat(proxy.connections()).isZero();

            // Asked: the properties' proxy.
            try (FinchClient viaProperties = clientFromSystemProperties()) {
                assertThat(viaProperties
                                .request(Request.get(server.baseUrl() + "/bytes/1"))
                                .status())
                        .isEqualTo(200);
            }
            assertThat(proxy.takeRequest(WAIT).requestLine()).startsWith("GET http://127.0.0.1:");

            // http.nonProxyHosts set: like the JDK, its loopback patterns still apply, so this host is reached
            // directly.
            System.setProperty("http.nonProxyHosts", "*.internal.example");
            try (FinchClient bypassing = clientFromSystemProperties()) {
                assertThat(bypassing
                                .request(Request.get(server.baseUrl() + "/bytes/1"))
                                .status())
                        .isEqualTo(200);
            }
            assertThat(proxy.connections()).isEqualTo(1);
        } finally {
            System.setProperties(saved);
        }
    }

    /** A client whose pool for the server speaks HTTP/2 only, through the test proxy. */
    private FinchClient http2PoolThroughProxy() {
        return FinchClient.builder()
                .pool(
                        server.baseUrl(),
                        PoolConfig.builder()
                                .protocols(Protocol.HTTP2)
                                .connectOptions(ConnectOptions.builder()
                                        .tls(TRUST_TEST_CA)
                                        .proxy(Proxy.http("127.0.0.1", proxy.port())
                                                .build())
                                        .build())
                                .build())
                .build();
    }

    private static FinchClient clientFromSystemProperties() {
        // tag::system-properties[]
        ProxyConfig fromJdk = ProxyConfig.fromSystemProperties(); // http.proxyHost, https.proxyHost, ...
        // end::system-properties[]
        return FinchClient.builder()
                .defaultPool(PoolConfig.builder()
                        .connectOptions(ConnectOptions.builder().proxy(fromJdk).build())
                        .build())
                .build();
    }

    @Test
    void anHttp2OnlyPoolForAnHttpTargetThroughAForwardProxyIsRefusedWhenTheClientIsBuilt() {
        PoolConfig h2cThroughProxy = PoolConfig.builder()
                .protocols(Protocol.HTTP2)
                .connectOptions(ConnectOptions.builder()
                        .proxy(Proxy.http("127.0.0.1", 1).build())
                        .build())
                .build();

        assertThatThrownBy(() -> FinchClient.builder()
                        .pool("http://127.0.0.1:1", h2cThroughProxy)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pools[http://127.0.0.1:1]")
                .hasMessageContaining("cannot go through the forward proxy");
        // Over https the tunnel carries h2; and a host in nonProxyHosts is reached directly. (Nothing listens on
        // 127.0.0.1:1: the eager HTTP/2 connects fail at once, on loopback.)
        FinchClient.builder()
                .pool("https://127.0.0.1:1", h2cThroughProxy)
                .build()
                .close();
        FinchClient.builder()
                .pool(
                        "http://127.0.0.1:1",
                        h2cThroughProxy.toBuilder()
                                .connectOptions(ConnectOptions.builder()
                                        .proxy(ProxyConfig.all(Proxy.http("127.0.0.1", 1)
                                                        .build())
                                                .withNonProxyHosts("127.*"))
                                        .build())
                                .build())
                .build()
                .close();
    }

    @Test
    void theProxyIsPerPool() throws Exception {
        server = JettyServer.http();
        JettyServer other = JettyServer.http();
        proxy = TestProxy.start();
        try {
            client = FinchClient.builder()
                    .pool(
                            server.baseUrl(),
                            PoolConfig.builder()
                                    .connectOptions(ConnectOptions.builder()
                                            .proxy(Proxy.http("127.0.0.1", proxy.port())
                                                    .build())
                                            .build())
                                    .build())
                    .build();

            client.request(Request.get(server.baseUrl() + "/bytes/1"));
            client.request(Request.get(other.baseUrl() + "/bytes/1"));

            assertThat(proxy.drainRequests())
                    .extracting(TestProxy.Head::requestLine)
                    .containsExactly("GET " + server.baseUrl() + "/bytes/1 HTTP/1.1");
            assertThat(List.of(proxy.connections())).containsExactly(1);
        } finally {
            other.close();
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

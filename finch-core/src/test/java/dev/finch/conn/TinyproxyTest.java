package dev.finch.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.FinchClient;
import dev.finch.Request;
import dev.finch.Response;
import dev.finch.http.HttpHeaders;
import dev.finch.http.ProxyTunnelException;
import dev.finch.pool.PoolConfig;
import dev.finch.testing.JettyServer;
import dev.finch.testing.TestCertificates;
import dev.finch.testing.Tinyproxy;
import dev.finch.transport.TlsOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The key proxy scenarios against a real proxy, tinyproxy from Debian (skipped when it is not installed): CONNECT
 * tunnels with HTTP/1.1 and h2 inside, the forward proxy for http targets, Basic authentication and its 407.
 */
class TinyproxyTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final TlsOptions TRUST_TEST_CA =
            TlsOptions.builder().trustPem(TestCertificates.get().caPem()).build();

    private static JettyServer http;
    private static JettyServer https;
    private static JettyServer h2;

    private Tinyproxy tinyproxy;
    private HttpConnection conn;

    @BeforeAll
    static void startServers() {
        http = JettyServer.http();
        https = JettyServer.https();
        h2 = JettyServer.h2();
    }

    @AfterAll
    static void stopServers() {
        for (JettyServer s : List.of(http, https, h2)) {
            s.close();
        }
    }

    @AfterEach
    void stop() {
        if (conn != null) {
            conn.close();
        }
        if (tinyproxy != null) {
            tinyproxy.close();
        }
    }

    private static HttpConnection connect(
            Scheme scheme, JettyServer target, Proxy.Builder proxy, java.util.Set<Protocol> protocols)
            throws IOException {
        return HttpConnection.connect(
                scheme,
                "127.0.0.1",
                target.port(),
                ConnectOptions.builder()
                        .tls(TRUST_TEST_CA)
                        .protocols(protocols)
                        .proxy(proxy.build())
                        .build());
    }

    private Exchange get(String path) throws IOException {
        return Exchange.await(conn, conn.request("GET", path, HttpHeaders.EMPTY, RequestBody.none()), WAIT);
    }

    @Test
    void tunnelsHttp1ToAnHttpsTargetAndExposesTinyproxysAnswerHeaders() throws Exception {
        tinyproxy = Tinyproxy.start();
        conn = connect(Scheme.HTTPS, https, Proxy.http("127.0.0.1", tinyproxy.port()), EnumSet.of(Protocol.HTTP1));

        assertThat(conn.protocol()).isEqualTo(Protocol.HTTP1);
        assertThat(get("/tls").bodyText()).contains("http=HTTP/1.1");
        assertThat(conn.proxyResponseHeaders().first("proxy-agent")).startsWith("tinyproxy/");
        assertThat(tinyproxy.log()).contains("CONNECT 127.0.0.1:" + https.port());
    }

    @Test
    void negotiatesH2InsideATinyproxyTunnel() throws Exception {
        tinyproxy = Tinyproxy.start();
        conn = connect(
                Scheme.HTTPS,
                h2,
                Proxy.http("127.0.0.1", tinyproxy.port()),
                EnumSet.of(Protocol.HTTP1, Protocol.HTTP2));

        assertThat(conn.protocol()).isEqualTo(Protocol.HTTP2);
        Exchange echo = get("/echo");
        assertThat(echo.headers.first("x-echo-protocol")).isEqualTo("HTTP/2.0");
    }

    @Test
    void forwardsHttpRequestsInAbsoluteForm() throws Exception {
        tinyproxy = Tinyproxy.start();
        conn = connect(Scheme.HTTP, http, Proxy.http("127.0.0.1", tinyproxy.port()), EnumSet.of(Protocol.HTTP1));

        Exchange echo = get("/echo?via=tinyproxy");

        assertThat(echo.status()).isEqualTo(200);
        assertThat(echo.headers.first("x-echo-uri")).isEqualTo("/echo?via=tinyproxy");
        assertThat(echo.headers.first("x-echo-via")).contains("tinyproxy");
        assertThat(tinyproxy.log()).contains("GET http://127.0.0.1:" + http.port() + "/echo?via=tinyproxy HTTP/1.1");
    }

    @Test
    void basicAuthOpensTheTunnelAndItsAbsenceIsA407() throws Exception {
        tinyproxy = Tinyproxy.start("ann", "secret");
        Proxy.Builder base = Proxy.http("127.0.0.1", tinyproxy.port());

        assertThatThrownBy(() -> connect(Scheme.HTTPS, https, base, EnumSet.of(Protocol.HTTP1)))
                .isInstanceOfSatisfying(ProxyTunnelException.class, e -> {
                    assertThat(e.status()).isEqualTo(407);
                    assertThat(e.headers().first("proxy-authenticate")).startsWith("Basic");
                });

        conn = connect(Scheme.HTTPS, https, base.basicAuth("ann", "secret"), EnumSet.of(Protocol.HTTP1));
        assertThat(get("/bytes/10").status()).isEqualTo(200);
    }

    @Test
    void aFinchClientPoolSendsSeveralRequestsThroughTinyproxy() throws Exception {
        tinyproxy = Tinyproxy.start("ann", "secret");
        Proxy proxy =
                Proxy.parse("http://ann:secret@127.0.0.1:" + tinyproxy.port()).build();
        try (FinchClient client = FinchClient.builder()
                .defaultPool(PoolConfig.builder()
                        .connectOptions(ConnectOptions.builder()
                                .tls(TRUST_TEST_CA)
                                .proxy(proxy)
                                .build())
                        .build())
                .build()) {
            for (int i = 0; i < 3; i++) {
                Response plain = client.request(Request.get(http.baseUrl() + "/echo?n=" + i));
                assertThat(plain.headers().first("x-echo-uri")).isEqualTo("/echo?n=" + i);
                assertThat(plain.headers().first("x-echo-via")).contains("tinyproxy");
                // tinyproxy strips the credentials meant for it before forwarding
                assertThat(plain.headers().first("x-echo-proxy-authorization")).isNull();
                assertThat(client.request(Request.get(https.baseUrl() + "/bytes/5"))
                                .status())
                        .isEqualTo(200);
            }
        }
        assertThat(tinyproxy.log()).contains("GET http://127.0.0.1:" + http.port() + "/echo?n=2 HTTP/1.1");
    }
}

package dev.finch.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.ProxyTunnelException;
import dev.finch.http.TransportException;
import dev.finch.testing.JettyServer;
import dev.finch.testing.TestCertificates;
import dev.finch.testing.TestProxy;
import dev.finch.transport.TlsOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Connections through a proxy written in the tests ({@link TestProxy}): CONNECT tunnels to https Jetty servers with
 * HTTP/1.1 or h2 negotiated inside, TLS inside TLS through an https proxy, the forward proxy for http targets, and
 * each way a proxy can fail a tunnel.
 */
class ProxyConnectionTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final TlsOptions TRUST_TEST_CA =
            TlsOptions.builder().trustPem(TestCertificates.get().caPem()).build();
    private static final String TARGET = "127.0.0.1";

    private static JettyServer http;
    private static JettyServer https;
    private static JettyServer h2;

    private TestProxy proxy;
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
    void stop() throws InterruptedException {
        if (conn != null) {
            conn.close();
        }
        if (proxy != null) {
            proxy.close();
            assertThat(proxy.errors()).isEmpty();
        }
    }

    private static ConnectOptions.Builder through(Proxy p) {
        return ConnectOptions.builder().tls(TRUST_TEST_CA).proxy(p);
    }

    private Exchange get(String path) throws IOException {
        return get(path, HttpHeaders.EMPTY);
    }

    private Exchange get(String path, HttpHeaders headers) throws IOException {
        return Exchange.await(conn, conn.request("GET", path, headers, RequestBody.none()), WAIT);
    }

    @Test
    void tunnelsToAnHttpsTargetSpeakingHttp1() throws Exception {
        proxy = TestProxy.start();
        conn = HttpConnection.connect(
                Scheme.HTTPS,
                TARGET,
                https.port(),
                through(Proxy.http("127.0.0.1", proxy.port()).build()).build());

        assertThat(conn.protocol()).isEqualTo(Protocol.HTTP1);
        Exchange tls = get("/tls");
        assertThat(tls.status()).isEqualTo(200);
        assertThat(tls.bodyText()).contains("http=HTTP/1.1");
        TestProxy.Head connect = proxy.takeRequest(WAIT);
        assertThat(connect.requestLine()).isEqualTo("CONNECT 127.0.0.1:" + https.port() + " HTTP/1.1");
        assertThat(connect.header("host")).isEqualTo("127.0.0.1:" + https.port());
        // The request inside the tunnel is encrypted: the proxy reads no other head.
        assertThat(proxy.drainRequests()).isEmpty();
    }

    @Test
    void negotiatesH2InsideTheTunnel() throws Exception {
        proxy = TestProxy.start();
        conn = HttpConnection.connect(
                Scheme.HTTPS,
                TARGET,
                h2.port(),
                through(Proxy.http("127.0.0.1", proxy.port()).build())
                        .protocols(EnumSet.of(Protocol.HTTP1, Protocol.HTTP2))
                        .build());

        assertThat(conn.protocol()).isEqualTo(Protocol.HTTP2);
        Exchange echo = get("/echo");
        assertThat(echo.status()).isEqualTo(200);
        assertThat(echo.headers.first("x-echo-protocol")).isEqualTo("HTTP/2.0");
        assertThat(proxy.takeRequest(WAIT).requestLine()).startsWith("CONNECT 127.0.0.1:" + h2.port());
    }

    @Test
    void runsTlsInsideTlsThroughAnHttpsProxy() throws Exception {
        proxy = TestProxy.builder().tls().start();
        Proxy viaTls = Proxy.https("localhost", proxy.port()).tls(TRUST_TEST_CA).build();
        conn = HttpConnection.connect(
                Scheme.HTTPS,
                TARGET,
                h2.port(),
                through(viaTls)
                        .protocols(EnumSet.of(Protocol.HTTP1, Protocol.HTTP2))
                        .build());

        assertThat(conn.protocol()).isEqualTo(Protocol.HTTP2);
        assertThat(get("/echo").status()).isEqualTo(200);
        assertThat(proxy.takeRequest(WAIT).requestLine()).startsWith("CONNECT ");
    }

    @Test
    void refusesAnHttpsProxyWhoseCertificateIsNotTrusted() throws Exception {
        proxy = TestProxy.builder().tls().start();
        Proxy untrusted = Proxy.https("localhost", proxy.port()).build(); // the system CAs do not know the test CA

        assertThatThrownBy(() -> HttpConnection.connect(
                        Scheme.HTTPS, TARGET, https.port(), through(untrusted).build()))
                .isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.reason())
                        .isEqualTo(TransportException.Reason.TLS_CERTIFICATE_REJECTED));
    }

    @Test
    void sendsTheProxyHeadersOnConnectAndExposesTheProxyAnswerHeaders() throws Exception {
        proxy = TestProxy.builder().requireBasicAuth("ann", "s3cret:x").start();
        // tag::tunnel[]
        Proxy corporate = Proxy.http("127.0.0.1", proxy.port())
                .basicAuth("ann", "s3cret:x")
                .header("X-Proxy-Tag", "finch")
                .build();
        conn = HttpConnection.connect(
                Scheme.HTTPS,
                TARGET,
                https.port(),
                ConnectOptions.builder().tls(TRUST_TEST_CA).proxy(corporate).build());
        HttpHeaders answer = conn.proxyResponseHeaders(); // the headers of the proxy's 2xx answer to CONNECT
        // end::tunnel[]

        assertThat(answer.first(TestProxy.ANSWER_HEADER)).isEqualTo("tunnel");
        TestProxy.Head connect = proxy.takeRequest(WAIT);
        assertThat(connect.header("proxy-authorization")).isEqualTo("Basic YW5uOnMzY3JldDp4");
        assertThat(connect.header("x-proxy-tag")).isEqualTo("finch");
        // Proxy headers are for the proxy: they do not travel inside the tunnel to the target.
        Exchange echo = get("/echo");
        assertThat(echo.headers.first("x-echo-x-proxy-tag")).isNull();
        assertThat(echo.headers.first("x-echo-proxy-authorization")).isNull();
    }

    @Test
    void aDirectConnectionHasNoProxyAnswerHeaders() throws Exception {
        conn = HttpConnection.connect(
                Scheme.HTTPS,
                TARGET,
                https.port(),
                ConnectOptions.builder().tls(TRUST_TEST_CA).build());

        assertThat(conn.proxyResponseHeaders()).isEqualTo(HttpHeaders.EMPTY);
    }

    @Test
    void proxyAuthenticationRequiredIsATypedErrorWithStatusAndHeadersAndTheSocketIsClosed() throws Exception {
        proxy = TestProxy.builder().requireBasicAuth("ann", "right").start();
        Proxy wrong =
                Proxy.http("127.0.0.1", proxy.port()).basicAuth("ann", "wrong").build();

        assertThatThrownBy(() -> HttpConnection.connect(
                        Scheme.HTTPS, TARGET, https.port(), through(wrong).build()))
                .isInstanceOfSatisfying(ProxyTunnelException.class, e -> {
                    assertThat(e.reason()).isEqualTo(TransportException.Reason.PROXY_REFUSED);
                    assertThat(e.status()).isEqualTo(407);
                    assertThat(e.headers().first("proxy-authenticate")).isEqualTo("Basic realm=\"finch-test\"");
                    assertThat(e.getMessage()).contains("407").contains("CONNECT 127.0.0.1:" + https.port());
                });
        assertThat(proxy.awaitClientClose(WAIT)).isTrue();
    }

    @Test
    void anotherNon2xxAnswerIsATypedErrorWithItsStatus() throws Exception {
        TransportException e = failureWhenTheProxyAnswers(
                "HTTP/1.1 502 Bad Gateway\r\nX-Why: unreachable\r\nContent-Length: 3\r\n\r\nbad");

        assertThat(e).isInstanceOfSatisfying(ProxyTunnelException.class, refused -> {
            assertThat(refused.status()).isEqualTo(502);
            assertThat(refused.headers().first("x-why")).isEqualTo("unreachable");
        });
        assertThat(proxy.awaitClientClose(WAIT)).isTrue();
    }

    @Test
    void aStalledProxyFailsWithTheTunnelTimeout() throws Exception {
        proxy = TestProxy.builder().stall().start();

        // Bounded so that a missing deadline fails the test instead of hanging it.
        TransportException e = assertTimeoutPreemptively(
                WAIT, () -> catchTransport(() -> connectThroughProxy(Duration.ofMillis(300))));

        assertThat(e.reason()).isEqualTo(TransportException.Reason.PROXY_TUNNEL_TIMEOUT);
        assertThat(e.getMessage()).contains("tunnel timeout PT0.3S");
        assertThat(proxy.awaitClientClose(WAIT)).isTrue();
    }

    @Test
    void aConnectDeadlineBeforeTheTunnelTimeoutEndsTheWaitForTheProxy() throws Exception {
        proxy = TestProxy.builder().stall().start();
        ConnectOptions options = through(Proxy.http("127.0.0.1", proxy.port())
                        .tunnelTimeout(Duration.ofSeconds(5))
                        .build())
                .build();

        long start = System.nanoTime();
        long deadline = start + Duration.ofMillis(300).toNanos();
        TransportException e = assertTimeoutPreemptively(
                WAIT,
                () -> catchTransport(
                        () -> conn = HttpConnection.connect(Scheme.HTTPS, TARGET, https.port(), options, deadline)));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        // The deadline, not the tunnel timeout, ran out: a plain TIMEOUT.
        assertThat(e.reason()).isEqualTo(TransportException.Reason.TIMEOUT);
        assertThat(e.getMessage()).contains("connect deadline");
        assertThat(proxy.awaitClientClose(WAIT)).isTrue();
    }

    @Test
    void theTargetHandshakeInTheTunnelEndsByTheConnectDeadline() throws Exception {
        proxy = TestProxy.start();
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        try (dev.finch.testing.RawServer silent =
                dev.finch.testing.RawServer.start(c -> done.await(30, TimeUnit.SECONDS))) {
            ConnectOptions options = through(Proxy.http("127.0.0.1", proxy.port())
                            .tunnelTimeout(Duration.ofSeconds(5))
                            .build())
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();

            long start = System.nanoTime();
            long deadline = start + Duration.ofMillis(500).toNanos();
            TransportException e = assertTimeoutPreemptively(
                    WAIT,
                    () -> catchTransport(() ->
                            conn = HttpConnection.connect(Scheme.HTTPS, TARGET, silent.port(), options, deadline)));

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            assertThat(e.reason()).isEqualTo(TransportException.Reason.TIMEOUT);
        } finally {
            done.countDown();
        }
    }

    @Test
    void aProxyClosingInsideItsAnswerIsATypedError() throws Exception {
        proxy = TestProxy.builder()
                .answerConnectAndClose("HTTP/1.1 200 Connection est")
                .start();

        TransportException e = catchTransport(() -> connectThroughProxy(Duration.ofSeconds(5)));

        assertThat(e.reason()).isEqualTo(TransportException.Reason.PROXY_CLOSED);
    }

    @Test
    void aMalformedAnswerIsAProtocolError() throws Exception {
        TransportException e = failureWhenTheProxyAnswers("SSH-2.0-OpenSSH_9.2\r\n\r\n");

        assertThat(e.reason()).isEqualTo(TransportException.Reason.PROXY_PROTOCOL_ERROR);
        assertThat(proxy.awaitClientClose(WAIT)).isTrue();
    }

    @Test
    void aRefusalWithAMalformedBodyIsStillReportedAsTheRefusal() throws Exception {
        TransportException e =
                failureWhenTheProxyAnswers("HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");

        assertThat(e).isInstanceOfSatisfying(ProxyTunnelException.class, refused -> assertThat(refused.status())
                .isEqualTo(403));
    }

    @Test
    void anAnswerHeadBeyondTheHttp1LimitsIsAProtocolError() throws Exception {
        TransportException e =
                failureWhenTheProxyAnswers("HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(300 * 1024) + "\r\n\r\n");

        assertThat(e.reason()).isEqualTo(TransportException.Reason.PROXY_PROTOCOL_ERROR);
        assertThat(e.getCause()).isInstanceOfSatisfying(HttpProtocolException.class, cause -> assertThat(cause.reason())
                .isEqualTo(HttpProtocolException.Reason.MAX_HEADER_LIST_SIZE_EXCEEDED));
    }

    @Test
    void bytesAfterThe2xxAnswerAreRejectedBeforeTls() throws Exception {
        TransportException e = failureWhenTheProxyAnswers("HTTP/1.1 200 OK\r\n\r\nnot a TLS ServerHello");

        assertThat(e.reason()).isEqualTo(TransportException.Reason.PROXY_PROTOCOL_ERROR);
        assertThat(e.getMessage()).contains("21 unexpected bytes");
        assertThat(proxy.awaitClientClose(WAIT)).isTrue();
    }

    @Test
    void forwardsHttpRequestsInAbsoluteFormWithTheProxyHeadersOnEachKeepAliveRequest() throws Exception {
        proxy = TestProxy.start();
        conn = forwardingConnection("Proxy-Authorization", "Bearer abc");

        for (int i = 1; i <= 3; i++) {
            Exchange echo = get("/echo?n=" + i);
            assertThat(echo.status()).isEqualTo(200);
            assertThat(echo.headers.first("x-echo-uri")).isEqualTo("/echo?n=" + i);
            assertThat(echo.headers.first("x-echo-host")).isEqualTo("127.0.0.1:" + http.port());
            TestProxy.Head head = proxy.takeRequest(WAIT);
            assertThat(head.requestLine())
                    .isEqualTo("GET http://127.0.0.1:" + http.port() + "/echo?n=" + i + " HTTP/1.1");
            assertThat(head.header("proxy-authorization")).isEqualTo("Bearer abc");
            assertThat(head.header("host")).isEqualTo("127.0.0.1:" + http.port());
        }
        assertThat(proxy.connections()).isEqualTo(1);
        assertThat(conn.proxyResponseHeaders()).isEqualTo(HttpHeaders.EMPTY);
    }

    @Test
    void aProxyHeaderTheRequestAlsoCarriesIsSentOnceWithTheRequestsValue() throws Exception {
        proxy = TestProxy.start();
        conn = forwardingConnection("proxy-authorization", "Basic pool");

        get("/echo", HttpHeaders.of("proxy-authorization", "Basic request"));

        TestProxy.Head head = proxy.takeRequest(WAIT);
        assertThat(head.headerLines())
                .filteredOn(l -> l.startsWith("proxy-authorization"))
                .hasSize(1);
        assertThat(head.header("proxy-authorization")).isEqualTo("Basic request");
    }

    @Test
    void refusesHttp2WithPriorKnowledgeThroughAForwardProxy() throws Exception {
        proxy = TestProxy.start();
        ConnectOptions h2Only = ConnectOptions.builder()
                .protocols(EnumSet.of(Protocol.HTTP2))
                .proxy(Proxy.http("127.0.0.1", proxy.port()).build())
                .build();

        assertThatThrownBy(() -> HttpConnection.connect(Scheme.HTTP, TARGET, http.port(), h2Only))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("HTTP/2 with prior knowledge cannot go through the forward proxy");
        assertThat(proxy.connections()).isZero();
    }

    @Test
    void nonProxyHostsAreReachedDirectly() throws Exception {
        proxy = TestProxy.start();
        ProxyConfig config = ProxyConfig.all(
                        Proxy.http("127.0.0.1", proxy.port()).build())
                .withNonProxyHosts("*.internal.test|127.*");
        conn = HttpConnection.connect(
                Scheme.HTTPS,
                TARGET,
                https.port(),
                ConnectOptions.builder().tls(TRUST_TEST_CA).proxy(config).build());

        assertThat(get("/tls").status()).isEqualTo(200);
        assertThat(proxy.connections()).isZero();
    }

    @Test
    void aProxyThatRefusesConnectionsFailsWithConnectFailedNamingTheProxy() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        ConnectOptions options =
                through(Proxy.http("127.0.0.1", closedPort).build()).build();

        assertThatThrownBy(() -> HttpConnection.connect(Scheme.HTTPS, TARGET, https.port(), options))
                .isInstanceOfSatisfying(TransportException.class, e -> {
                    assertThat(e.reason()).isEqualTo(TransportException.Reason.CONNECT_FAILED);
                    assertThat(e.getMessage()).contains("127.0.0.1:" + closedPort);
                });
    }

    /** A connection to the http server through the test proxy as a forward proxy, with one proxy header. */
    private HttpConnection forwardingConnection(String name, String value) throws IOException {
        return HttpConnection.connect(
                Scheme.HTTP,
                TARGET,
                http.port(),
                ConnectOptions.builder()
                        .proxy(Proxy.http("127.0.0.1", proxy.port())
                                .header(name, value)
                                .build())
                        .build());
    }

    /** Starts a proxy that answers CONNECT with {@code raw}, connects through it, and returns the failure. */
    private TransportException failureWhenTheProxyAnswers(String raw) throws IOException {
        proxy = TestProxy.builder().answerConnect(raw).start();
        return catchTransport(() -> connectThroughProxy(Duration.ofSeconds(5)));
    }

    private void connectThroughProxy(Duration tunnelTimeout) throws IOException {
        conn = HttpConnection.connect(
                Scheme.HTTPS,
                TARGET,
                https.port(),
                through(Proxy.http("127.0.0.1", proxy.port())
                                .tunnelTimeout(tunnelTimeout)
                                .build())
                        .build());
    }

    private interface Connect {
        void run() throws IOException;
    }

    private static TransportException catchTransport(Connect c) {
        try {
            c.run();
        } catch (TransportException e) {
            return e;
        } catch (IOException e) {
            throw new AssertionError("expected a TransportException, got " + e, e);
        }
        throw new AssertionError("the connection opened");
    }
}

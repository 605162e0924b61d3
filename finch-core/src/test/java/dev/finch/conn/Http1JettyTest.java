package dev.finch.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.http.HttpHeaders;
import dev.finch.http.TransportException;
import dev.finch.testing.JettyServer;
import dev.finch.testing.TestCertificates;
import dev.finch.testing.TestRoutes;
import dev.finch.transport.TlsOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** HTTP/1.1 against Jetty 12 over TCP, TLS with a CA made in the test, and Unix domain sockets. */
class Http1JettyTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final TlsOptions TRUST_TEST_CA =
            TlsOptions.builder().trustPem(TestCertificates.get().caPem()).build();

    private static JettyServer http;
    private static JettyServer https;
    private static JettyServer unix;
    private static JettyServer unixTls;

    private HttpConnection conn;

    @BeforeAll
    static void startServers() {
        http = JettyServer.http();
        https = JettyServer.https();
        unix = JettyServer.unix();
        unixTls = JettyServer.unixTls();
    }

    @AfterAll
    static void stopServers() {
        for (JettyServer s : List.of(http, https, unix, unixTls)) {
            s.close();
        }
    }

    @AfterEach
    void closeConnection() {
        if (conn != null) {
            conn.close();
        }
    }

    private HttpConnection plain() throws IOException {
        return conn = HttpConnection.connect(Scheme.HTTP, JettyServer.HOST, http.port(), ConnectOptions.defaults());
    }

    private HttpConnection tls() throws IOException {
        return conn = HttpConnection.connect(
                Scheme.HTTPS,
                "localhost",
                https.port(),
                ConnectOptions.builder().tls(TRUST_TEST_CA).build());
    }

    private Exchange get(String path) throws IOException {
        return Exchange.await(conn, conn.request("GET", path, HttpHeaders.EMPTY, RequestBody.none()), WAIT);
    }

    @Test
    void getsContentLengthAndChunkedBodies() throws IOException {
        plain();
        Exchange fixed = get("/bytes/100000");
        assertThat(fixed.status()).isEqualTo(200);
        assertThat(fixed.headers.first("content-length")).isEqualTo("100000");
        assertThat(fixed.body.toByteArray()).isEqualTo(TestRoutes.bytes(100000));

        Exchange chunked = get("/chunked/300000");
        assertThat(chunked.headers.first("transfer-encoding")).isEqualTo("chunked");
        assertThat(chunked.body.toByteArray()).isEqualTo(TestRoutes.bytes(300000));
    }

    @Test
    void reusesOneConnectionForManyRequests() throws IOException {
        plain();
        for (int i = 0; i < 50; i++) {
            assertThat(get("/bytes/" + i).body.size()).isEqualTo(i);
        }
        assertThat(conn.isOpen()).isTrue();
    }

    @Test
    void pipelinesRequestsToJetty() throws IOException {
        plain();
        List<RequestRef> refs = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            refs.add(conn.request("GET", "/bytes/" + i * 1000, HttpHeaders.EMPTY, RequestBody.none()));
        }
        List<Exchange> all = Exchange.awaitAll(conn, refs, WAIT);
        for (int i = 0; i < 10; i++) {
            assertThat(all.get(i).body.toByteArray()).isEqualTo(TestRoutes.bytes((i + 1) * 1000));
        }
    }

    @Test
    void postsAByteBody() throws Exception {
        plain();
        byte[] body = TestRoutes.bytes(1 << 20);
        RequestRef ref = conn.request("POST", "/digest", HttpHeaders.EMPTY, RequestBody.of(body));
        assertThat(Exchange.await(conn, ref, WAIT).bodyText()).isEqualTo(digest(body));
    }

    @Test
    void streamsAChunkedBodyWithTrailers() throws Exception {
        plain();
        byte[] body = TestRoutes.bytes(3 * 1024 * 1024 + 17);
        RequestRef ref = conn.request("POST", "/digest", HttpHeaders.EMPTY, RequestBody.streaming());
        for (int off = 0; off < body.length; off += 64 * 1024) {
            conn.streamRequestBody(ref, ByteBuffer.wrap(body, off, Math.min(64 * 1024, body.length - off)));
        }
        conn.endRequestBody(ref, HttpHeaders.of("x-checksum", "ignored"));
        assertThat(Exchange.await(conn, ref, WAIT).bodyText()).isEqualTo(digest(body));
    }

    @Test
    void continues100BeforeTheBody() throws Exception {
        plain();
        RequestRef ref = conn.request(
                "POST",
                "/echo",
                HttpHeaders.of("expect", "100-continue", "content-length", "5"),
                RequestBody.streaming());
        List<ResponsePart> first = conn.recv(WAIT);
        assertThat(first).first().isEqualTo(new ResponsePart.Status(ref, 100));
        conn.streamRequestBody(ref, ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)));
        conn.endRequestBody(ref, HttpHeaders.EMPTY);
        Exchange ex = Exchange.await(conn, ref, WAIT);
        assertThat(ex.status()).isEqualTo(200);
        assertThat(ex.bodyText()).isEqualTo("hello");
    }

    @Test
    void readsTrailers() throws IOException {
        plain();
        Exchange ex = get("/trailers");
        assertThat(ex.bodyText()).isEqualTo("hello trailers");
        assertThat(ex.trailers.first("x-trailer")).isEqualTo("done");
    }

    @Test
    void headHasNoBody() throws IOException {
        plain();
        RequestRef ref = conn.request("HEAD", "/bytes/1000", HttpHeaders.EMPTY, RequestBody.none());
        Exchange ex = Exchange.await(conn, ref, WAIT);
        assertThat(ex.headers.first("content-length")).isEqualTo("1000");
        assertThat(ex.body.size()).isZero();
        assertThat(get("/bytes/3").body.size()).isEqualTo(3); // the connection is still in step
    }

    @Test
    void serverCloseAfterConnectionCloseIsClean() throws IOException {
        plain();
        RequestRef ref = conn.request("GET", "/bytes/10", HttpHeaders.of("connection", "close"), RequestBody.none());
        Exchange ex = Exchange.await(conn, ref, WAIT);
        assertThat(ex.done).isTrue();
        assertThat(ex.headers.first("connection")).isEqualTo("close");
        assertThat(conn.isOpen()).isFalse();
    }

    @Test
    void getsOverTlsWithATestCa() throws IOException {
        tls();
        assertThat(conn.sslSession()).isNotNull();
        Exchange ex = get("/tls");
        assertThat(ex.bodyText()).contains("sni=localhost").contains("http=HTTP/1.1");
        assertThat(get("/bytes/200000").body.toByteArray()).isEqualTo(TestRoutes.bytes(200000));
    }

    @Test
    void drivesATlsConnectionInActiveMode() throws IOException {
        tls();
        try (java.nio.channels.Selector selector = java.nio.channels.Selector.open()) {
            conn.register(selector);
            RequestRef ref = conn.request("GET", "/bytes/300000", HttpHeaders.EMPTY, RequestBody.none());
            Exchange ex = new Exchange();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!ex.done && ex.error == null && System.nanoTime() < deadline) {
                selector.select(100);
                for (java.nio.channels.SelectionKey key : selector.selectedKeys()) {
                    conn.stream(key).forEach(ex::add);
                }
                selector.selectedKeys().clear();
            }
            assertThat(ex.done).isTrue();
            assertThat(ex.body.toByteArray()).isEqualTo(TestRoutes.bytes(300000));
            assertThat(ref).isNotNull();
        }
    }

    @Test
    void refusesAnUntrustedCertificateByDefault() {
        assertThatThrownBy(() ->
                        HttpConnection.connect(Scheme.HTTPS, "localhost", https.port(), ConnectOptions.defaults()))
                .isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.reason())
                        .isEqualTo(TransportException.Reason.TLS_CERTIFICATE_REJECTED));
    }

    @Test
    void refusesACertificateForAnotherHostName() {
        try (JettyServer other = JettyServer.builder()
                .tls(TestCertificates.get().issue("other.example"))
                .start()) {
            assertThatThrownBy(() -> HttpConnection.connect(
                            Scheme.HTTPS,
                            "localhost",
                            other.port(),
                            ConnectOptions.builder().tls(TRUST_TEST_CA).build()))
                    .isInstanceOfSatisfying(TransportException.class, e -> {
                        assertThat(e.reason()).isEqualTo(TransportException.Reason.TLS_CERTIFICATE_REJECTED);
                        assertThat(e.getMessage()).contains("host name");
                    });
        }
    }

    @Test
    void getsOverAUnixDomainSocket() throws IOException {
        conn = HttpConnection.connect(Scheme.HTTP, unix.socketPath(), ConnectOptions.defaults());
        RequestRef ref = conn.request("GET", "/echo", HttpHeaders.EMPTY, RequestBody.none());
        Exchange ex = Exchange.await(conn, ref, WAIT);
        assertThat(ex.status()).isEqualTo(200);
        assertThat(ex.headers.first("x-echo-host")).isEqualTo("localhost");
    }

    @Test
    void getsOverTlsOnAUnixDomainSocket() throws IOException {
        conn = HttpConnection.connect(
                Scheme.HTTPS,
                unixTls.socketPath(),
                ConnectOptions.builder().tls(TRUST_TEST_CA).build());
        assertThat(get("/tls").bodyText()).contains("sni=localhost");
    }

    private static String digest(byte[] body) throws Exception {
        byte[] sha = MessageDigest.getInstance("SHA-256").digest(body);
        return body.length + " " + HexFormat.of().formatHex(sha);
    }
}

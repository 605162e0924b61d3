package dev.finch.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.codec.http2.Http2StreamException;
import dev.finch.codec.http2.Settings;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.TransportException;
import dev.finch.testing.JettyServer;
import dev.finch.testing.TestCertificates;
import dev.finch.testing.TestRoutes;
import dev.finch.transport.TlsOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** HTTP/2 against Jetty 12: h2c with prior knowledge, TLS with ALPN, large transfers, many streams, resets. */
class Http2JettyTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int MIB = 1024 * 1024;
    private static final TlsOptions TRUST_TEST_CA =
            TlsOptions.builder().trustPem(TestCertificates.get().caPem()).build();
    private static final ConnectOptions H2C =
            ConnectOptions.builder().protocols(EnumSet.of(Protocol.HTTP2)).build();
    private static final ConnectOptions TLS_BOTH = ConnectOptions.builder()
            .tls(TRUST_TEST_CA)
            .protocols(EnumSet.of(Protocol.HTTP1, Protocol.HTTP2))
            .build();

    private static JettyServer h2c;
    private static JettyServer h2;

    private HttpConnection conn;

    @BeforeAll
    static void startServers() {
        h2c = JettyServer.h2c();
        h2 = JettyServer.h2();
    }

    @AfterAll
    static void stopServers() {
        h2c.close();
        h2.close();
    }

    @AfterEach
    void closeConnection() {
        if (conn != null) {
            conn.close();
        }
    }

    private Http2Connection plain() throws IOException {
        conn = HttpConnection.connect(Scheme.HTTP, JettyServer.HOST, h2c.port(), H2C);
        return conn.asHttp2();
    }

    private Http2Connection tls() throws IOException {
        conn = HttpConnection.connect(Scheme.HTTPS, "localhost", h2.port(), TLS_BOTH);
        return conn.asHttp2();
    }

    private Exchange get(String path) throws IOException {
        return Exchange.await(conn, conn.request("GET", path, HttpHeaders.EMPTY, RequestBody.none()), WAIT);
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    // ------------------------------------------------------------------------------------- protocol choice

    @Test
    void h2cWithPriorKnowledgeSpeaksHttp2() throws Exception {
        plain();
        assertThat(conn.protocol()).isEqualTo(Protocol.HTTP2);
        Exchange ex = get("/echo");
        assertThat(ex.status()).isEqualTo(200);
        assertThat(ex.headers.first("x-echo-protocol")).isEqualTo("HTTP/2.0");
    }

    @Test
    void plainHttpWithHttp1AllowedSpeaksHttp11WithoutUpgrade() throws Exception {
        conn = HttpConnection.connect(
                Scheme.HTTP,
                JettyServer.HOST,
                h2c.port(),
                ConnectOptions.builder()
                        .protocols(EnumSet.of(Protocol.HTTP1, Protocol.HTTP2))
                        .build());
        assertThat(conn.protocol()).isEqualTo(Protocol.HTTP1);
        assertThat(get("/echo").headers.first("x-echo-protocol")).isEqualTo("HTTP/1.1");
    }

    @Test
    void alpnChoosesH2WhenBothAreOffered() throws Exception {
        tls();
        assertThat(conn.protocol()).isEqualTo(Protocol.HTTP2);
        assertThat(conn.sslSession()).isNotNull();
        assertThat(get("/tls").bodyText()).contains("http=HTTP/2.0");
    }

    @Test
    void alpnChoosesHttp11WhenOnlyItIsOffered() throws Exception {
        conn = HttpConnection.connect(
                Scheme.HTTPS,
                "localhost",
                h2.port(),
                ConnectOptions.builder().tls(TRUST_TEST_CA).build());
        assertThat(conn.protocol()).isEqualTo(Protocol.HTTP1);
        assertThat(get("/tls").bodyText()).contains("http=HTTP/1.1");
    }

    @Test
    void h2OnlyOffersOnlyH2() throws Exception {
        conn = HttpConnection.connect(
                Scheme.HTTPS,
                "localhost",
                h2.port(),
                ConnectOptions.builder()
                        .tls(TRUST_TEST_CA)
                        .protocols(EnumSet.of(Protocol.HTTP2))
                        .build());
        assertThat(conn.protocol()).isEqualTo(Protocol.HTTP2);
        assertThat(conn.sslSession()).isNotNull();
    }

    @Test
    void h2OnlyAgainstAServerWithoutAlpnIsNotNegotiated() {
        try (JettyServer http1Only = JettyServer.https()) {
            ConnectOptions h2Only = ConnectOptions.builder()
                    .tls(TRUST_TEST_CA)
                    .protocols(EnumSet.of(Protocol.HTTP2))
                    .build();
            assertThatThrownBy(() -> HttpConnection.connect(Scheme.HTTPS, "localhost", http1Only.port(), h2Only))
                    .isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.reason())
                            .isEqualTo(TransportException.Reason.PROTOCOL_NOT_NEGOTIATED));
        }
    }

    // ---------------------------------------------------------------------------------- multiplexing

    @Test
    void manyConcurrentStreamsOnOneConnectionWithinTheServersLimit() throws Exception {
        Http2Connection c = plain();
        c.ping();
        c.recv(WAIT); // the server's SETTINGS have arrived with its stream limit
        int limit = c.serverSettings().maxConcurrentStreams();
        assertThat(limit).isLessThan(200);
        Map<RequestRef, Integer> sizeOf = new HashMap<>();
        Map<RequestRef, Exchange> exchanges = new HashMap<>();
        int maxInFlight = 0;
        int ended = 0;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (ended < 200) {
            while (sizeOf.size() < 200 && c.openRequestCount() < limit) {
                int size = sizeOf.size() * 97;
                RequestRef ref = c.request("GET", "/bytes/" + size, HttpHeaders.EMPTY, RequestBody.none());
                sizeOf.put(ref, size);
                exchanges.put(ref, new Exchange());
            }
            maxInFlight = Math.max(maxInFlight, c.openRequestCount());
            assertThat(System.nanoTime()).isLessThan(deadline);
            for (ResponsePart p : c.recv(WAIT)) {
                exchanges.get(p.ref()).add(p);
                if (p instanceof ResponsePart.Done || p instanceof ResponsePart.Error) {
                    ended++;
                }
            }
        }
        for (Map.Entry<RequestRef, Integer> e : sizeOf.entrySet()) {
            Exchange ex = exchanges.get(e.getKey());
            assertThat(ex.error).isNull();
            assertThat(ex.body.toByteArray()).isEqualTo(TestRoutes.bytes(e.getValue()));
        }
        assertThat(maxInFlight).as("streams ran concurrently, up to the limit").isEqualTo(limit);
        assertThat(c.isOpen()).isTrue();
    }

    // -------------------------------------------------------------------------------- large transfers

    @Test
    void downloadsFarBeyondTheWindowsAreByteExact() throws Exception {
        plain();
        Exchange ex = get("/bytes/" + 20 * MIB);
        assertThat(ex.body.size()).isEqualTo(20 * MIB);
        assertThat(sha256(ex.body.toByteArray())).isEqualTo(sha256(TestRoutes.bytes(20 * MIB)));
    }

    @Test
    void uploadsFarBeyondTheWindowsAreByteExact() throws Exception {
        plain();
        byte[] body = new byte[20 * MIB];
        new Random(42).nextBytes(body);
        RequestRef ref = conn.request("POST", "/digest", HttpHeaders.EMPTY, RequestBody.of(body));
        assertThat(Exchange.await(conn, ref, WAIT).bodyText()).isEqualTo(body.length + " " + sha256(body));
    }

    @Test
    void streamedUploadSendsOnlyWhatTheWindowAllows() throws Exception {
        Http2Connection c = plain();
        byte[] body = new byte[20 * MIB];
        new Random(7).nextBytes(body);
        RequestRef ref = c.request("POST", "/digest", HttpHeaders.EMPTY, RequestBody.streaming());
        int offset = 0;
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<ResponsePart> early = new ArrayList<>();
        while (offset < body.length) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            long window = c.requestBodyWindow(ref);
            if (window == 0) {
                early.addAll(c.recv(WAIT)); // returns when the server grants window
                continue;
            }
            int n = (int) Math.min(window, body.length - offset);
            c.streamRequestBody(ref, ByteBuffer.wrap(body, offset, n));
            offset += n;
            assertThat(c.requestBodyWindow(ref)).as("nothing queued").isEqualTo(window - n);
        }
        c.endRequestBody(ref, HttpHeaders.EMPTY);
        assertThat(early).isEmpty();
        assertThat(Exchange.await(conn, ref, WAIT).bodyText()).isEqualTo(body.length + " " + sha256(body));
    }

    @Test
    void largeTransfersOverTlsAreByteExact() throws Exception {
        tls();
        assertThat(get("/bytes/" + 5 * MIB).body.toByteArray()).isEqualTo(TestRoutes.bytes(5 * MIB));
        byte[] body = new byte[5 * MIB];
        new Random(3).nextBytes(body);
        RequestRef ref = conn.request("PUT", "/digest", HttpHeaders.EMPTY, RequestBody.of(body));
        assertThat(Exchange.await(conn, ref, WAIT).bodyText()).isEqualTo(body.length + " " + sha256(body));
    }

    // ----------------------------------------------------------------------------------- active mode

    @Test
    void activeModeDrivesStreamsAndUploadsFromTheOwnersSelector() throws Exception {
        Http2Connection c = plain();
        HttpConnection other = HttpConnection.connect(Scheme.HTTP, JettyServer.HOST, h2c.port(), H2C);
        byte[] upload = new byte[8 * MIB];
        new Random(11).nextBytes(upload);
        try (Selector selector = Selector.open()) {
            SelectionKey key = c.register(selector);
            SelectionKey otherKey = other.register(selector);
            assertThat(c.stream(otherKey)).isSameAs(HttpConnection.UNKNOWN);
            Map<RequestRef, Exchange> exchanges = new HashMap<>();
            RequestRef up = c.request("POST", "/digest", HttpHeaders.EMPTY, RequestBody.of(upload));
            exchanges.put(up, new Exchange());
            for (int i = 0; i < 50; i++) {
                exchanges.put(
                        c.request("GET", "/bytes/" + i * 1000, HttpHeaders.EMPTY, RequestBody.none()), new Exchange());
            }
            assertThat(c.sendWindow())
                    .as("the upload waits for window inside the connection")
                    .isZero();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (exchanges.values().stream().anyMatch(e -> !e.done && e.error == null)) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                selector.select(100);
                for (SelectionKey k : selector.selectedKeys()) {
                    List<ResponsePart> parts = c.stream(k);
                    if (parts == HttpConnection.UNKNOWN) {
                        assertThat(k).isSameAs(otherKey);
                        continue;
                    }
                    parts.forEach(p -> exchanges.get(p.ref()).add(p));
                }
                selector.selectedKeys().clear();
            }
            assertThat(exchanges.get(up).bodyText()).isEqualTo(upload.length + " " + sha256(upload));
            exchanges.forEach((ref, ex) -> assertThat(ex.error).isNull());
            assertThat(key.isValid()).isTrue();
            c.deregister();
            assertThat(get("/bytes/5").body.size()).as("passive again").isEqualTo(5);
        } finally {
            other.close();
        }
    }

    // ----------------------------------------------------------------------------------- features

    @Test
    void responseTrailersArriveAsATrailersPart() throws Exception {
        plain();
        Exchange ex = get("/trailers");
        assertThat(ex.bodyText()).isEqualTo("hello trailers");
        assertThat(ex.trailers.first("x-trailer")).isEqualTo("done");
        assertThat(ex.done).isTrue();
    }

    @Test
    void pingIsAnsweredWithAPong() throws Exception {
        Http2Connection c = plain();
        RequestRef ping = c.ping();
        List<ResponsePart> parts = c.recv(WAIT);
        assertThat(parts).contains(new ResponsePart.Pong(ping));
    }

    @Test
    void settingsPutMidConnectionAreAcknowledged() throws Exception {
        Http2Connection c = plain();
        c.putSettings(Settings.builder().set(Settings.INITIAL_WINDOW_SIZE, MIB).build());
        RequestRef ping = c.ping();
        List<ResponsePart> parts = new ArrayList<>();
        while (!parts.contains(new ResponsePart.Pong(ping))) {
            parts.addAll(c.recv(WAIT));
        }
        assertThat(c.clientSettings().initialWindowSize()).isEqualTo(MIB);
        assertThat(get("/bytes/" + 3 * MIB).body.size()).isEqualTo(3 * MIB);
    }

    @Test
    void serverResettingAStreamFailsOnlyThatRequest() throws Exception {
        try (JettyServer failing = JettyServer.builder()
                .http2()
                .handler((request, response, callback) -> {
                    if (request.getHttpURI().getPath().equals("/fail")) {
                        // Committed, then failed: Jetty can only reset the stream.
                        response.setStatus(200);
                        Content.Sink.write(
                                response,
                                false,
                                "partial",
                                Callback.from(
                                        () -> callback.failed(new IllegalStateException("handler gave up")),
                                        callback::failed));
                    } else {
                        Content.Sink.write(response, true, "fine", callback);
                    }
                    return true;
                })
                .start()) {
            conn = HttpConnection.connect(Scheme.HTTP, JettyServer.HOST, failing.port(), H2C);
            Exchange ex = get("/fail");
            assertThat(ex.error).isInstanceOfSatisfying(Http2StreamException.class, e -> assertThat(e.reason())
                    .isEqualTo(HttpProtocolException.Reason.SERVER_CLOSED_REQUEST));
            assertThat(conn.isOpen()).isTrue();
            assertThat(get("/ok").bodyText()).isEqualTo("fine");
        }
    }

    @Test
    void gracefulServerShutdownSendsGoAwayAndLetsStreamsInFlightFinish() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        JettyServer stopping = JettyServer.builder()
                .http2()
                .handler((request, response, callback) -> {
                    // Held until the test has seen the GOAWAY: a condition, not a delay.
                    boolean released = release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                    Content.Sink.write(response, true, released ? "released" : "timed out", callback);
                    return true;
                })
                .start();
        stopping.server().setStopTimeout(WAIT.toMillis());
        Thread stopper = new Thread(stopping::close, "jetty-stopper");
        try {
            conn = HttpConnection.connect(Scheme.HTTP, JettyServer.HOST, stopping.port(), H2C);
            RequestRef held = conn.request("GET", "/held", HttpHeaders.EMPTY, RequestBody.none());
            conn.asHttp2().ping();
            conn.recv(WAIT); // the request has reached the server
            stopper.start();
            Exchange ex = new Exchange();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (conn.isOpen()) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                try {
                    conn.recv(Duration.ofMillis(100)).forEach(ex::add);
                } catch (TransportException e) {
                    assertThat(e.reason()).isEqualTo(TransportException.Reason.TIMEOUT);
                }
            }
            assertThat(conn.isReadable())
                    .as("GOAWAY came while the request was in flight")
                    .isTrue();
            assertThat(ex.parts).isEmpty();
            assertThatThrownBy(() -> conn.request("GET", "/", HttpHeaders.EMPTY, RequestBody.none()))
                    .isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                            .isEqualTo(HttpProtocolException.Reason.CLOSED_FOR_WRITING));
            release.countDown();
            ex = Exchange.await(conn, held, WAIT);
            assertThat(ex.error).as("%s", ex.parts).isNull();
            assertThat(ex.bodyText()).isEqualTo("released");
        } finally {
            release.countDown();
            stopper.join(WAIT.toMillis());
            stopping.close();
        }
    }

    @Test
    void cancellingARequestLeavesTheConnectionUsable() throws Exception {
        plain();
        RequestRef slow = conn.request("GET", "/slow/2000", HttpHeaders.EMPTY, RequestBody.none());
        assertThat(conn.cancelRequest(slow)).singleElement().isInstanceOf(ResponsePart.Error.class);
        assertThat(conn.openRequestCount()).isZero();
        assertThat(get("/bytes/10").body.size()).isEqualTo(10);
    }
}

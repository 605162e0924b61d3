package dev.finch.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.Body;
import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import dev.finch.Response;
import dev.finch.conn.ConnectOptions;
import dev.finch.http.HttpProtocolException;
import dev.finch.pool.PoolConfig;
import dev.finch.telemetry.FinchEvent;
import dev.finch.testing.JettyServer;
import dev.finch.testing.TestCertificates;
import dev.finch.testing.TestRoutes;
import dev.finch.transport.TlsOptions;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.SubmissionPublisher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** request() against Jetty over HTTP/1.1: methods, URLs, bodies of every kind, trailers, TLS and Unix sockets. */
class RequestsTest {
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
    void getReturnsStatusHeadersAndBody() throws Exception {
        Response r = client.request(Request.get(base + "/bytes/1000"));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("content-length")).isEqualTo("1000");
        assertThat(r.body()).isEqualTo(TestRoutes.bytes(1000));
        assertThat(r.trailers().isEmpty()).isTrue();
    }

    @Test
    void errorStatusIsAResponseNotAnException() throws Exception {
        assertThat(client.request(Request.get(base + "/status/503")).status()).isEqualTo(503);
    }

    @Test
    void pathAndQueryAreSentAsWritten() throws Exception {
        Response r = client.request(Request.get(base + "/echo?q=a%20b&x=%2F#fragment"));

        assertThat(r.header("x-echo-uri")).isEqualTo("/echo?q=a%20b&x=%2F");
    }

    @Test
    void headersAreSent() throws Exception {
        Response r = client.request(Request.builder("GET", base + "/echo")
                .header("x-one", "1")
                .header("x-two", "2")
                .build());

        assertThat(r.header("x-echo-x-one")).isEqualTo("1");
        assertThat(r.header("x-echo-x-two")).isEqualTo("2");
    }

    @Test
    void bytesBodyIsEchoed() throws Exception {
        Response r = client.request(Request.post(base + "/echo", Body.of("hello finch")));

        assertThat(r.bodyText()).isEqualTo("hello finch");
        assertThat(r.header("x-echo-method")).isEqualTo("POST");
    }

    @Test
    void chunkedResponseIsJoined() throws Exception {
        Response r = client.request(Request.get(base + "/chunked/100000"));

        assertThat(r.body()).isEqualTo(TestRoutes.bytes(100_000));
    }

    @Test
    void trailersAreReturned() throws Exception {
        Response r = client.request(Request.get(base + "/trailers"));

        assertThat(r.bodyText()).isEqualTo("hello trailers");
        assertThat(r.trailers().first("x-trailer")).isEqualTo("done");
    }

    @Test
    void iteratorBodyIsStreamedChunked() throws Exception {
        List<ByteBuffer> chunks = List.of(utf8("one "), utf8("two "), utf8("three"));

        Response r = client.request(Request.post(base + "/echo", Body.of(chunks.iterator())));

        assertThat(r.bodyText()).isEqualTo("one two three");
    }

    @Test
    void inputStreamBodyIsStreamed() throws Exception {
        byte[] big = TestRoutes.bytes(200_000);

        Response r = client.request(Request.post(base + "/digest", Body.of(new ByteArrayInputStream(big))));

        assertThat(r.bodyText()).isEqualTo(digest(big));
    }

    @Test
    void publisherBodyIsStreamedOneChunkAtATime() throws Exception {
        byte[] big = TestRoutes.bytes(100_000);
        try (SubmissionPublisher<ByteBuffer> publisher = new SubmissionPublisher<>()) {
            Thread producer = new Thread(() -> {
                // A SubmissionPublisher drops what is submitted before anyone subscribes.
                Await.until(() -> publisher.getNumberOfSubscribers() > 0, Duration.ofSeconds(10), "the subscriber");
                for (int i = 0; i < big.length; i += 10_000) {
                    publisher.submit(ByteBuffer.wrap(big, i, 10_000));
                }
                publisher.close();
            });
            Request post = Request.post(base + "/digest", Body.of(publisher));
            producer.start();

            Response r = client.request(post);

            producer.join();
            assertThat(r.bodyText()).isEqualTo(digest(big));
        }
    }

    @Test
    void contentLengthHeaderFramesAStreamedBody() throws Exception {
        Response r = client.request(Request.builder("POST", base + "/echo")
                .header("content-length", "5")
                .body(Body.of(List.of(utf8("he"), utf8("llo")).iterator()))
                .build());

        assertThat(r.bodyText()).isEqualTo("hello");
    }

    @Test
    void invalidRequestIsRefusedAndTheConnectionStaysUsable() throws Exception {
        Request evil = Request.builder("GET", base + "/echo")
                .header("x-evil", "a\r\nx-injected: 1")
                .build();

        assertThatThrownBy(() -> client.request(evil))
                .isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                        .isEqualTo(HttpProtocolException.Reason.INVALID_HEADER_VALUE));
        assertThat(client.request(Request.get(base + "/status/204")).status()).isEqualTo(204);
    }

    @Test
    void secondRequestReusesTheConnection() throws Exception {
        Recorder events = new Recorder();
        try (FinchClient c = FinchClient.builder().listener(events).build()) {
            c.request(Request.get(base + "/bytes/10"));
            c.request(Request.get(base + "/bytes/10"));
        }

        assertThat(events.of(FinchEvent.ConnectStart.class)).hasSize(1);
        assertThat(events.of(FinchEvent.ReusedConnection.class)).hasSize(1);
    }

    @Test
    void httpsVerifiesAgainstTheConfiguredTrust() throws Exception {
        try (JettyServer tls = JettyServer.https();
                FinchClient c = FinchClient.builder()
                        .defaultPool(PoolConfig.builder()
                                .connectOptions(ConnectOptions.builder()
                                        .tls(TlsOptions.builder()
                                                .trustPem(TestCertificates.get().caPem())
                                                .build())
                                        .build())
                                .build())
                        .build()) {
            Response r = c.request(Request.get("https://localhost:" + tls.port() + "/tls"));

            assertThat(r.bodyText()).contains("sni=localhost");
        }
    }

    @Test
    void unixSocketRequestSendsTheUrlHost() throws Exception {
        try (JettyServer unix = JettyServer.unix()) {
            Request r = Request.builder("GET", "http://api.internal/echo")
                    .unixSocket(unix.socketPath())
                    .build();

            Response response = client.request(r);

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("x-echo-host")).isEqualTo("api.internal");
            assertThat(client.poolKeys()).contains(PoolKey.unix("http", unix.socketPath()));
        }
    }

    private static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String digest(byte[] b) throws Exception {
        return b.length + " "
                + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}

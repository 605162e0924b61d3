package dev.finch.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.conn.ConnectOptions;
import dev.finch.conn.HttpConnection;
import dev.finch.conn.RequestBody;
import dev.finch.conn.RequestRef;
import dev.finch.conn.ResponsePart;
import dev.finch.conn.Scheme;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.testing.JettyServer;
import dev.finch.testing.RawServer;
import dev.finch.testing.TestCertificates;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Content;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the examples of docs/connection.md against real servers. */
class DocsExamplesTest {
    private static JettyServer hello() {
        return JettyServer.http((request, response, callback) -> {
            response.getHeaders().put("content-type", "text/plain");
            Content.Sink.write(response, true, "hello " + request.getHttpURI().getPath(), callback);
            return true;
        });
    }

    @Test
    void quickStartFetchesABody() throws Exception {
        try (JettyServer server = hello()) {
            assertThat(QuickStartExample.fetch(JettyServer.HOST, server.port())).isEqualTo("200 hello /hello");
        }
    }

    @Test
    void oneThreadDrivesManyConnections() throws Exception {
        try (JettyServer a = hello();
                JettyServer b = hello()) {
            List<URI> urls = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                JettyServer s = i % 2 == 0 ? a : b;
                urls.add(URI.create("http://127.0.0.1:" + s.port() + "/n" + i));
            }
            Map<URI, String> bodies = ManyConnections.fetchAll(urls, Duration.ofSeconds(10));
            assertThat(bodies).hasSize(6);
            for (int i = 0; i < 6; i++) {
                assertThat(bodies.get(urls.get(i))).isEqualTo("hello /n" + i);
            }
        }
    }

    @Test
    void connectionProcessServesConcurrentCallers() throws Exception {
        try (JettyServer server = hello();
                ConnectionProcess process = new ConnectionProcess(
                        Scheme.HTTP, JettyServer.HOST, server.port(), dev.finch.conn.ConnectOptions.defaults())) {
            List<CompletableFuture<ConnectionProcess.Response>> futures = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                futures.add(process.request("GET", "/c" + i, HttpHeaders.EMPTY, null));
            }
            for (int i = 0; i < 20; i++) {
                ConnectionProcess.Response r = futures.get(i).get(10, TimeUnit.SECONDS);
                assertThat(r.status()).isEqualTo(200);
                assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("hello /c" + i);
            }
        }
    }

    @Test
    void connectionProcessFailsOnlyTheInvalidRequest() throws Exception {
        try (JettyServer server = hello();
                ConnectionProcess process = new ConnectionProcess(
                        Scheme.HTTP, JettyServer.HOST, server.port(), dev.finch.conn.ConnectOptions.defaults())) {
            CompletableFuture<ConnectionProcess.Response> bad =
                    process.request("GET", "/", HttpHeaders.of("x", "a\r\nb"), null);
            assertThat(catchCause(bad)).isInstanceOf(HttpProtocolException.class);
            assertThat(process.request("GET", "/ok", HttpHeaders.EMPTY, null)
                            .get(10, TimeUnit.SECONDS)
                            .status())
                    .isEqualTo(200);
        }
    }

    @Test
    void connectionProcessReconnectsAfterTheServerCloses() throws Exception {
        try (RawServer server = RawServer.start(c -> {
                    c.readHead();
                    c.write("HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok");
                });
                ConnectionProcess process = new ConnectionProcess(
                        Scheme.HTTP, "127.0.0.1", server.port(), dev.finch.conn.ConnectOptions.defaults())) {
            for (int i = 0; i < 3; i++) {
                assertThat(process.request("GET", "/", HttpHeaders.EMPTY, null)
                                .get(10, TimeUnit.SECONDS)
                                .body())
                        .isEqualTo("ok".getBytes(StandardCharsets.US_ASCII));
            }
        }
    }

    @Test
    void connectionProcessFailsRequestsWhenTheResponseIsMalformed() throws Exception {
        try (RawServer server = RawServer.start(c -> {
                    c.readHead();
                    c.write("HTTP/1.1 200 OK\r\ncontent-length: nope\r\n\r\n");
                });
                ConnectionProcess process = new ConnectionProcess(
                        Scheme.HTTP, "127.0.0.1", server.port(), dev.finch.conn.ConnectOptions.defaults())) {
            assertThat(catchCause(process.request("GET", "/", HttpHeaders.EMPTY, null)))
                    .isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                            .isEqualTo(HttpProtocolException.Reason.INVALID_CONTENT_LENGTH));
        }
    }

    @Test
    void privateCaOptionsConnectToATestServer(@TempDir Path dir) throws Exception {
        Path bundle = dir.resolve("ca.pem");
        Files.writeString(bundle, TestCertificates.get().caPem());
        try (JettyServer server = JettyServer.https();
                HttpConnection conn = HttpConnection.connect(
                        Scheme.HTTPS, "localhost", server.port(), TlsExamples.privateCa(bundle))) {
            assertThat(getTls(conn)).contains("protocol=TLSv1.3");
        }
    }

    @Test
    void keyLogOptionsLogTheSessionsSecrets(@TempDir Path dir) throws Exception {
        Path bundle = dir.resolve("ca.pem");
        Files.writeString(bundle, TestCertificates.get().caPem());
        Path keyLog = dir.resolve("keys.log");
        ConnectOptions options = ConnectOptions.builder()
                .tls(TlsExamples.keyLogging(bundle, keyLog))
                .build();
        try (JettyServer server = JettyServer.https();
                HttpConnection conn = HttpConnection.connect(Scheme.HTTPS, "localhost", server.port(), options)) {
            assertThat(getTls(conn)).contains("protocol=TLSv1.3");
        }
        // The lines are written asynchronously, shortly after each handshake step: bounded wait (10 s).
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (Files.readAllLines(keyLog).size() < 4 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(Files.readAllLines(keyLog))
                .extracting(line -> line.split(" ")[0])
                .containsExactly(
                        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                        "CLIENT_TRAFFIC_SECRET_0",
                        "SERVER_TRAFFIC_SECRET_0");
    }

    /** GET /tls on {@code conn}, returning the body. */
    private static StringBuilder getTls(HttpConnection conn) throws Exception {
        RequestRef ref = conn.request("GET", "/tls", HttpHeaders.EMPTY, RequestBody.none());
        StringBuilder body = new StringBuilder();
        boolean done = false;
        // Bounded: at most 100 waits of up to 10 s each for a small response.
        for (int round = 0; !done && round < 100; round++) {
            for (ResponsePart p : conn.recv(Duration.ofSeconds(10))) {
                if (p instanceof ResponsePart.Data d) {
                    body.append(new String(d.bytes(), StandardCharsets.UTF_8));
                }
                done |= p instanceof ResponsePart.Done && p.ref() == ref;
            }
        }
        assertThat(done).as("response complete").isTrue();
        return body;
    }

    private static Throwable catchCause(CompletableFuture<?> f) throws Exception {
        try {
            f.get(10, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }
}

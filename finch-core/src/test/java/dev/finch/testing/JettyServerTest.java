package dev.finch.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import org.eclipse.jetty.io.Content;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fixtures checked with the JDK's HttpClient, independently of Finch's own code. */
class JettyServerTest {
    private static HttpClient client;

    @BeforeAll
    static void client() {
        client = HttpClient.newBuilder()
                .sslContext(TestCertificates.get().clientSslContext())
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    @AfterAll
    static void closeClient() {
        client = null; // HttpClient.close() is Java 21+; its threads are daemons
    }

    private static HttpResponse<byte[]> get(JettyServer server, String path) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                        .timeout(Duration.ofSeconds(20))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void servesTheTestRoutesOverHttp() throws Exception {
        try (JettyServer server = JettyServer.http()) {
            assertThat(server.baseUrl()).isEqualTo("http://127.0.0.1:" + server.port());
            assertThat(get(server, "/bytes/70000").body()).isEqualTo(TestRoutes.bytes(70000));
            assertThat(get(server, "/bytes/70000").headers().firstValue("content-length"))
                    .hasValue("70000");
            HttpResponse<byte[]> chunked = get(server, "/chunked/70000");
            assertThat(chunked.body()).isEqualTo(TestRoutes.bytes(70000));
            assertThat(chunked.headers().firstValue("content-length")).isEmpty();
            assertThat(get(server, "/status/418").statusCode()).isEqualTo(418);
            assertThat(get(server, "/slow/50").body()).asString().isEqualTo("slow");
            assertThat(get(server, "/trailers").body()).asString().isEqualTo("hello trailers");
            assertThat(get(server, "/tls").statusCode()).isEqualTo(400);
            assertThat(get(server, "/nothing-here").statusCode()).isEqualTo(404);
            assertThat(get(server, "/bytes/x").statusCode()).isEqualTo(400);
        }
    }

    @Test
    void echoesMethodHeadersAndBody() throws Exception {
        try (JettyServer server = JettyServer.http()) {
            HttpResponse<byte[]> r = client.send(
                    HttpRequest.newBuilder(URI.create(server.baseUrl() + "/echo?x=1"))
                            .header("X-Test", "yes")
                            .PUT(HttpRequest.BodyPublishers.ofString("hello"))
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());

            assertThat(r.body()).asString().isEqualTo("hello");
            assertThat(r.headers().firstValue("x-echo-method")).hasValue("PUT");
            assertThat(r.headers().firstValue("x-echo-uri")).hasValue("/echo?x=1");
            assertThat(r.headers().firstValue("x-echo-x-test")).hasValue("yes");
            assertThat(r.headers().firstValue("x-echo-protocol")).hasValue("HTTP/1.1");
        }
    }

    @Test
    void digestsAnUpload() throws Exception {
        byte[] body = TestRoutes.bytes(1_000_000);
        try (JettyServer server = JettyServer.http()) {
            HttpResponse<String> r = client.send(
                    HttpRequest.newBuilder(URI.create(server.baseUrl() + "/digest"))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());

            String sha = HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(body));
            assertThat(r.body()).isEqualTo(body.length + " " + sha);
        }
    }

    @Test
    void sendsTrailersAfterAChunkedBody() throws Exception {
        try (JettyServer server = JettyServer.http();
                SocketChannel ch =
                        SocketChannel.open(new java.net.InetSocketAddress(JettyServer.HOST, server.port()))) {
            ch.write(ByteBuffer.wrap("GET /trailers HTTP/1.1\r\nHost: x\r\nTE: trailers\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII)));
            String raw = readAll(ch);

            assertThat(raw).contains("Transfer-Encoding: chunked").contains("\r\nX-Trailer: done\r\n");
        }
    }

    @Test
    void negotiatesH2OverTlsWithAlpn() throws Exception {
        try (JettyServer server = JettyServer.h2()) {
            HttpResponse<byte[]> r = get(server, "/tls");

            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(r.body()).asString().contains("http=HTTP/2.0");
        }
    }

    @Test
    void servesHttp11OverTls() throws Exception {
        try (JettyServer server = JettyServer.https()) {
            HttpResponse<byte[]> r = get(server, "/tls");

            assertThat(server.isTls()).isTrue();
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            assertThat(r.body()).asString().contains("protocol=TLSv1.3");
        }
    }

    @Test
    void speaksH2cWithPriorKnowledge() throws Exception {
        try (JettyServer server = JettyServer.h2c();
                SocketChannel ch =
                        SocketChannel.open(new java.net.InetSocketAddress(JettyServer.HOST, server.port()))) {
            // RFC 9113 section 3.3: the preface, then an empty SETTINGS frame.
            ch.write(ByteBuffer.wrap("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            ch.write(ByteBuffer.wrap(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}));
            ByteBuffer header = ByteBuffer.allocate(9);
            while (header.hasRemaining()) { // bounded: blocking reads of 9 bytes, or end of stream
                if (ch.read(header) < 0) {
                    break;
                }
            }
            assertThat(header.get(3)).as("first frame is SETTINGS").isEqualTo((byte) 4);
        }
    }

    @Test
    void acceptsAHandlerAsALambda() throws Exception {
        try (JettyServer server = JettyServer.http((request, response, callback) -> {
            response.setStatus(201);
            Content.Sink.write(response, true, "made", callback);
            return true;
        })) {
            HttpResponse<byte[]> r = get(server, "/anything");

            assertThat(r.statusCode()).isEqualTo(201);
            assertThat(r.body()).asString().isEqualTo("made");
        }
    }

    @Test
    void listensOnAUnixSocketInATemporaryDirectory() throws Exception {
        java.nio.file.Path path;
        try (JettyServer server = JettyServer.unix();
                SocketChannel ch = SocketChannel.open(java.net.UnixDomainSocketAddress.of(server.socketPath()))) {
            path = server.socketPath();
            ch.write(ByteBuffer.wrap("GET /status/204 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII)));

            assertThat(readAll(ch)).startsWith("HTTP/1.1 204");
        }
        assertThat(path.getParent()).doesNotExist();
    }

    private static String readAll(SocketChannel ch) throws Exception {
        StringBuilder sb = new StringBuilder();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        // Blocking reads until the server closes (Connection: close); the test timeout bounds a broken server.
        for (int n = ch.read(buf); n >= 0; n = ch.read(buf)) {
            sb.append(new String(buf.array(), 0, n, StandardCharsets.ISO_8859_1));
            buf.clear();
        }
        return sb.toString();
    }
}

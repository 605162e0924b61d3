package dev.finch.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.TransportException;
import dev.finch.testing.RawServer;
import dev.finch.testing.TestCertificates;
import dev.finch.transport.TlsOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Failure paths: what each request gets, what the connection reports, and that nothing is lost or unbounded. */
class Http1ConnectionFailureTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String OK = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";

    private final List<AutoCloseable> closeables = new ArrayList<>();
    /** Released at tear-down: scripts that must hold their socket open wait on it. */
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void tearDown() throws Exception {
        release.countDown();
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private RawServer serve(RawServer.Script script) throws IOException {
        RawServer s = RawServer.start(script);
        closeables.add(s);
        return s;
    }

    private HttpConnection connect(RawServer s, ConnectOptions options) throws IOException {
        HttpConnection c = HttpConnection.connect(Scheme.HTTP, "127.0.0.1", s.port(), options);
        closeables.add(() -> {
            c.transferOwnership(null);
            c.transferOwnership(Thread.currentThread());
            c.close();
        });
        return c;
    }

    private void hold() throws InterruptedException {
        release.await(30, TimeUnit.SECONDS);
    }

    /** Waits, without reading, until the connection's socket is readable (data or end of stream arrived). */
    private static void awaitReadable(HttpConnection conn) throws IOException {
        try (Selector selector = Selector.open()) {
            conn.register(selector);
            assertThat(selector.select(WAIT.toMillis())).as("socket readable").isPositive();
            conn.deregister();
        }
    }

    @Test
    void aShortStreamedBodyFailsItsOwnRequestAndClosesTheOthersAsClosed() throws Exception {
        HttpConnection conn = connect(
                serve(c -> {
                    c.readHead();
                    c.readHead();
                    hold();
                }),
                ConnectOptions.defaults());
        RequestRef a = conn.request("GET", "/a", HttpHeaders.EMPTY, RequestBody.none());
        RequestRef b = conn.request("POST", "/b", HttpHeaders.of("content-length", "10"), RequestBody.streaming());
        conn.streamRequestBody(b, ByteBuffer.wrap("0123".getBytes(StandardCharsets.US_ASCII)));
        assertThatThrownBy(() -> conn.endRequestBody(b, HttpHeaders.EMPTY))
                .isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                        .isEqualTo(HttpProtocolException.Reason.INVALID_CONTENT_LENGTH));

        List<ResponsePart> parts = conn.recv(WAIT);
        assertThat(parts).hasSize(1);
        ResponsePart.Error error = (ResponsePart.Error) parts.get(0);
        assertThat(error.ref()).isSameAs(a);
        assertThat(error.error()).isInstanceOfSatisfying(TransportException.class, e -> {
            assertThat(e.reason()).isEqualTo(TransportException.Reason.CLOSED);
            assertThat(e.getCause()).isInstanceOf(HttpProtocolException.class);
        });
        assertThatThrownBy(() -> conn.recv(WAIT)).isInstanceOf(TransportException.class);
    }

    @Test
    void inActiveModeTheErrorsOfAFailedSendAreCollectedWithTheKeptKey() throws Exception {
        HttpConnection conn = connect(
                serve(c -> {
                    c.readHead();
                    c.readHead();
                    hold();
                }),
                ConnectOptions.defaults());
        try (Selector selector = Selector.open()) {
            SelectionKey key = conn.register(selector);
            RequestRef a = conn.request("GET", "/a", HttpHeaders.EMPTY, RequestBody.none());
            RequestRef b = conn.request("POST", "/b", HttpHeaders.of("content-length", "10"), RequestBody.streaming());
            assertThatThrownBy(() -> conn.endRequestBody(b, HttpHeaders.EMPTY))
                    .isInstanceOf(HttpProtocolException.class);
            assertThat(key.isValid()).isFalse();
            List<ResponsePart> parts = conn.stream(key);
            assertThat(parts).singleElement().satisfies(p -> {
                assertThat(p.ref()).isSameAs(a);
                assertThat(p).isInstanceOf(ResponsePart.Error.class);
            });
        }
    }

    @Test
    void registersAgainWithTheSameSelectorAfterDeregistering() throws Exception {
        HttpConnection conn = connect(
                serve(c -> {
                    c.readHead();
                    c.write(OK);
                }),
                ConnectOptions.defaults());
        try (Selector selector = Selector.open()) {
            conn.register(selector);
            conn.deregister();
            SelectionKey again = conn.register(selector);
            assertThat(again.isValid()).isTrue();
            RequestRef ref = conn.request("GET", "/", HttpHeaders.EMPTY, RequestBody.none());
            long deadline = System.nanoTime() + WAIT.toNanos();
            List<ResponsePart> parts = new ArrayList<>();
            while (parts.stream().noneMatch(p -> p instanceof ResponsePart.Done) && System.nanoTime() < deadline) {
                selector.select(100);
                for (SelectionKey k : selector.selectedKeys()) {
                    parts.addAll(conn.stream(k));
                }
                selector.selectedKeys().clear();
            }
            assertThat(parts).contains(new ResponsePart.Done(ref));
        }
    }

    @Test
    void aConnectionCloseFromTheCallerEndsTheConnectionAfterItsResponse() throws Exception {
        HttpConnection conn = connect(
                serve(c -> {
                    c.readHead();
                    c.write(OK); // keeps the connection alive as far as the server is concerned
                    hold();
                }),
                ConnectOptions.defaults());
        RequestRef ref = conn.request("GET", "/", HttpHeaders.of("connection", "close"), RequestBody.none());
        assertThatThrownBy(() -> conn.request("GET", "/again", HttpHeaders.EMPTY, RequestBody.none()))
                .isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                        .isEqualTo(HttpProtocolException.Reason.CLOSED));
        assertThat(Exchange.await(conn, ref, WAIT).done).isTrue();
        assertThat(conn.isOpen()).isFalse();
    }

    @Test
    void anEarlyResponseDuringABlockedUploadIsDeliveredBeforeTheError() throws Exception {
        HttpConnection conn = connect(
                serve(c -> {
                    c.readHead();
                    c.write("HTTP/1.1 413 Content Too Large\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
                    hold(); // and read nothing more
                }),
                ConnectOptions.builder().sendTimeout(Duration.ofMillis(300)).build());
        RequestRef ref = conn.request("PUT", "/big", HttpHeaders.EMPTY, RequestBody.streaming());
        ByteBuffer chunk = ByteBuffer.allocate(256 * 1024);
        IOException thrown = null;
        for (int i = 0; i < 1024 && thrown == null; i++) { // at most 256 MiB: far more than socket buffers hold
            try {
                conn.streamRequestBody(ref, chunk.clear());
            } catch (IOException e) {
                thrown = e;
            }
        }
        assertThat(thrown).isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.reason())
                .isEqualTo(TransportException.Reason.TIMEOUT));
        List<ResponsePart> parts = conn.recv(WAIT);
        assertThat(parts).startsWith(new ResponsePart.Status(ref, 413));
        assertThat(parts).last().isEqualTo(new ResponsePart.Done(ref));
        assertThat(conn.isOpen()).isFalse();
    }

    @Test
    void recvWithAZeroTimeoutReadsWhatHasArrived() throws Exception {
        HttpConnection conn = connect(
                serve(c -> {
                    c.readHead();
                    c.write(OK);
                }),
                ConnectOptions.defaults());
        RequestRef ref = conn.request("GET", "/", HttpHeaders.EMPTY, RequestBody.none());
        awaitReadableWhileActive(conn);
        assertThat(conn.recv(Duration.ZERO)).contains(new ResponsePart.Status(ref, 200));
    }

    /** Like awaitReadable, for a connection with a request in flight. */
    private static void awaitReadableWhileActive(HttpConnection conn) throws IOException {
        awaitReadable(conn);
    }

    @Test
    void aFailedFlushWhenLeavingActiveModeClosesTheConnectionInsteadOfInterleavingRequests() throws Exception {
        HttpConnection conn = connect(
                serve(c -> {
                    c.readHead();
                    hold(); // reads no body
                }),
                ConnectOptions.builder().sendTimeout(Duration.ofMillis(300)).build());
        RequestRef first;
        try (Selector selector = Selector.open()) {
            conn.register(selector);
            first = conn.request("POST", "/1", HttpHeaders.EMPTY, RequestBody.of(ByteBuffer.allocate(32 << 20)));
            assertThatThrownBy(conn::deregister)
                    .isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.reason())
                            .isEqualTo(TransportException.Reason.TIMEOUT));
        }
        assertThat(conn.isOpen()).isFalse();
        assertThat(conn.recv(WAIT)).singleElement().isInstanceOfSatisfying(ResponsePart.Error.class, e -> assertThat(
                        e.ref())
                .isSameAs(first));
        assertThatThrownBy(() -> conn.request("GET", "/2", HttpHeaders.EMPTY, RequestBody.none()))
                .isInstanceOf(HttpProtocolException.class);
    }

    @Test
    void aServerThatClosedTheIdleConnectionIsNoticedBeforeTheRequestIsSent() throws Exception {
        HttpConnection conn = connect(
                serve(c -> {
                    c.readHead();
                    c.write(OK);
                    c.socket.shutdownOutput();
                }),
                ConnectOptions.defaults());
        Exchange.await(conn, conn.request("GET", "/1", HttpHeaders.EMPTY, RequestBody.none()), WAIT);
        awaitReadable(conn); // the FIN has arrived
        assertThatThrownBy(() -> conn.request("GET", "/2", HttpHeaders.EMPTY, RequestBody.none()))
                .isInstanceOfSatisfying(TransportException.class, e -> {
                    assertThat(e.reason()).isEqualTo(TransportException.Reason.CLOSED);
                    assertThat(e.requestNotSent()).isTrue();
                });
        assertThat(conn.isOpen()).isFalse();
    }

    @Test
    void anUnsolicited408OnAnIdleConnectionIsNotTakenAsTheNextResponse() throws Exception {
        CountDownLatch firstAnswered = new CountDownLatch(1);
        HttpConnection conn = connect(
                serve(c -> {
                    c.readHead();
                    c.write(OK);
                    firstAnswered.await(10, TimeUnit.SECONDS); // later, while the connection sits idle
                    c.write("HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
                    hold();
                }),
                ConnectOptions.defaults());
        Exchange.await(conn, conn.request("GET", "/1", HttpHeaders.EMPTY, RequestBody.none()), WAIT);
        firstAnswered.countDown();
        awaitReadable(conn); // the 408 has arrived
        assertThatThrownBy(() -> conn.request("GET", "/2", HttpHeaders.EMPTY, RequestBody.none()))
                .isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.requestNotSent())
                        .isTrue());
    }

    @Test
    void aParkedConnectionRefusesUseUntilClaimed() throws Exception {
        HttpConnection conn = connect(serve(c -> hold()), ConnectOptions.defaults());
        conn.transferOwnership(null);
        assertThatThrownBy(() -> conn.request("GET", "/", HttpHeaders.EMPTY, RequestBody.none()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("parked");
    }

    @Test
    void anyThreadMayCloseAConnectionWhoseOwnerDied() throws Exception {
        RawServer server = serve(c -> {});
        CompletableFuture<HttpConnection> opened = new CompletableFuture<>();
        Thread owner = new Thread(() -> {
            try {
                opened.complete(
                        HttpConnection.connect(Scheme.HTTP, "127.0.0.1", server.port(), ConnectOptions.defaults()));
            } catch (IOException e) {
                opened.completeExceptionally(e);
            }
        });
        owner.start();
        HttpConnection conn = opened.get(5, TimeUnit.SECONDS);
        owner.join(5_000);
        conn.close();
        assertThat(conn.isOpen()).isFalse();
        assertThat(server.awaitClientClose(WAIT)).isTrue();
    }

    @Test
    void oneRecvCallReadsABoundedAmount() throws Exception {
        int total = 64 << 20;
        HttpConnection conn = connect(
                serve(c -> {
                    c.readHead();
                    c.write("HTTP/1.1 200 OK\r\ncontent-length: " + total + "\r\n\r\n");
                    byte[] block = new byte[1 << 20];
                    for (int sent = 0; sent < total; sent += block.length) {
                        c.out.write(block);
                    }
                }),
                ConnectOptions.defaults());
        RequestRef ref = conn.request("GET", "/", HttpHeaders.EMPTY, RequestBody.none());
        long received = 0;
        long largest = 0;
        boolean done = false;
        for (int calls = 0; !done && calls < 100_000; calls++) {
            long inCall = 0;
            for (ResponsePart p : conn.recv(WAIT)) {
                if (p instanceof ResponsePart.Data d) {
                    inCall += d.bytes().length;
                }
                done |= p.equals(new ResponsePart.Done(ref));
            }
            received += inCall;
            largest = Math.max(largest, inCall);
        }
        assertThat(received).isEqualTo(total);
        assertThat(largest).isLessThanOrEqualTo(512 * 1024);
    }

    @Test
    void aCloseDelimitedBodyCutByABareTcpCloseOverTlsIsTruncated() throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(TestCertificates.get().localhost().keyStore(), TestCertificates.PASSWORD.toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> server = CompletableFuture.runAsync(() -> {
                try (Socket plain = listener.accept()) {
                    // TLS layered on the plain socket without autoClose: closing `plain` sends a FIN and no
                    // close_notify, as an attacker on the path could.
                    SSLSocket tls = (SSLSocket) ctx.getSocketFactory().createSocket(plain, (InputStream) null, false);
                    tls.setUseClientMode(false);
                    InputStream in = tls.getInputStream();
                    for (int matched = 0; matched < 4; ) {
                        int b = in.read();
                        matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
                    }
                    tls.getOutputStream()
                            .write("HTTP/1.1 200 OK\r\n\r\nfirst half of the do".getBytes(StandardCharsets.US_ASCII));
                    tls.getOutputStream().flush();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            ConnectOptions options = ConnectOptions.builder()
                    .tls(TlsOptions.builder()
                            .trustPem(TestCertificates.get().caPem())
                            .build())
                    .build();
            try (HttpConnection conn =
                    HttpConnection.connect(Scheme.HTTPS, "localhost", listener.getLocalPort(), options)) {
                RequestRef ref = conn.request("GET", "/", HttpHeaders.EMPTY, RequestBody.none());
                Exchange ex = Exchange.await(conn, ref, WAIT);
                server.get(5, TimeUnit.SECONDS);
                assertThat(ex.bodyText()).isEqualTo("first half of the do");
                assertThat(ex.done).isFalse();
                assertThat(ex.error).isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                        .isEqualTo(HttpProtocolException.Reason.BODY_TRUNCATED));
            }
        }
    }

    @Test
    void abortFromAnotherThreadWakesAnOwnerBlockedInRecv() throws Exception {
        RawServer server = serve(c -> {
            c.readHead();
            hold(); // never answers
        });
        HttpConnection conn = connect(server, ConnectOptions.defaults());
        RequestRef ref = conn.request("GET", "/", HttpHeaders.EMPTY, RequestBody.none());
        CountDownLatch aborting = new CountDownLatch(1);
        Thread aborter = new Thread(() -> {
            try {
                aborting.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            conn.abort();
        });
        aborter.start();
        aborting.countDown();
        long start = System.nanoTime();
        List<ResponsePart> parts = conn.recv(Duration.ofSeconds(60));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        assertThat(parts).singleElement().isInstanceOfSatisfying(ResponsePart.Error.class, e -> {
            assertThat(e.ref()).isSameAs(ref);
            assertThat(e.error()).isInstanceOfSatisfying(TransportException.class, t -> assertThat(t.reason())
                    .isEqualTo(TransportException.Reason.CLOSED));
        });
        assertThat(conn.isOpen()).isFalse();
        aborter.join(5_000);
    }
}

package dev.finch.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.http.HttpHeaders;
import dev.finch.testing.RawServer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Passive and active modes, switching between them, ownership and private data. */
class Http1ConnectionModesTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String OK = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private RawServer serve(RawServer.Script script) throws IOException {
        RawServer s = RawServer.start(script);
        closeables.add(s);
        return s;
    }

    private HttpConnection connect(RawServer s) throws IOException {
        HttpConnection c = HttpConnection.connect(Scheme.HTTP, "127.0.0.1", s.port(), ConnectOptions.defaults());
        closeables.add(c::close);
        return c;
    }

    /** Drives the selector until every ref is done or errored; returns the parts per connection. */
    private static List<ResponsePart> drive(Selector selector, List<HttpConnection> conns, int expectedDone)
            throws IOException {
        List<ResponsePart> all = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        int ended = 0;
        while (ended < expectedDone) {
            assertThat(System.nanoTime()).as("responses within %s", WAIT).isLessThan(deadline);
            selector.select(100);
            for (SelectionKey key : selector.selectedKeys()) {
                int owners = 0;
                for (HttpConnection c : conns) {
                    List<ResponsePart> parts = c.stream(key);
                    if (parts == HttpConnection.UNKNOWN) {
                        continue;
                    }
                    owners++;
                    all.addAll(parts);
                    ended += (int) parts.stream()
                            .filter(p -> p instanceof ResponsePart.Done || p instanceof ResponsePart.Error)
                            .count();
                }
                assertThat(owners).as("exactly one connection owns a key").isEqualTo(1);
            }
            selector.selectedKeys().clear();
        }
        return all;
    }

    @Test
    void streamAnswersUnknownForAnotherConnectionsKey() throws Exception {
        RawServer s = serve(c -> {
            c.readHead();
            c.write(OK);
        });
        HttpConnection a = connect(s);
        HttpConnection b = connect(s);
        try (Selector selector = Selector.open()) {
            SelectionKey keyA = a.register(selector);
            SelectionKey keyB = b.register(selector);
            assertThat(a.stream(keyB)).isSameAs(HttpConnection.UNKNOWN);
            assertThat(b.stream(keyA)).isSameAs(HttpConnection.UNKNOWN);

            RequestRef ra = a.request("GET", "/a", HttpHeaders.EMPTY, RequestBody.none());
            RequestRef rb = b.request("GET", "/b", HttpHeaders.EMPTY, RequestBody.none());
            List<ResponsePart> parts = drive(selector, List.of(a, b), 2);
            assertThat(parts)
                    .filteredOn(p -> p instanceof ResponsePart.Done)
                    .extracting(ResponsePart::ref)
                    .containsExactlyInAnyOrder(ra, rb);
        }
    }

    @Test
    void switchesBetweenPassiveAndActiveModes() throws Exception {
        RawServer s = serve(c -> {
            for (int i = 0; i < 3; i++) {
                c.readHead();
                c.write(OK);
            }
        });
        HttpConnection conn = connect(s);
        RequestRef first = conn.request("GET", "/1", HttpHeaders.EMPTY, RequestBody.none());
        assertThat(Exchange.await(conn, first, WAIT).bodyText()).isEqualTo("ok");

        try (Selector selector = Selector.open()) {
            conn.register(selector);
            assertThatThrownBy(() -> conn.recv(WAIT)).isInstanceOf(IllegalStateException.class);
            RequestRef second = conn.request("GET", "/2", HttpHeaders.EMPTY, RequestBody.none());
            assertThat(drive(selector, List.of(conn), 1)).last().isEqualTo(new ResponsePart.Done(second));
            conn.deregister();
        }
        RequestRef third = conn.request("GET", "/3", HttpHeaders.EMPTY, RequestBody.none());
        assertThat(Exchange.await(conn, third, WAIT).done).isTrue();
    }

    @Test
    void activeModeQueuesWhatTheSocketDoesNotTakeAndWritesItWhenWritable() throws Exception {
        int size = 16 * 1024 * 1024;
        CountDownLatch bodyQueued = new CountDownLatch(1);
        AtomicReference<Integer> received = new AtomicReference<>();
        RawServer s = serve(c -> {
            c.readHead();
            assertThat(bodyQueued.await(10, TimeUnit.SECONDS)).isTrue(); // hold off reading: the client must queue
            received.set(c.readBytes(size).length);
            c.write(OK);
        });
        HttpConnection conn = connect(s);
        try (Selector selector = Selector.open()) {
            SelectionKey key = conn.register(selector);
            conn.request("POST", "/upload", HttpHeaders.EMPTY, RequestBody.of(ByteBuffer.allocate(size)));
            assertThat(key.interestOps() & SelectionKey.OP_WRITE)
                    .as("write interest while output is queued")
                    .isNotZero();
            bodyQueued.countDown();
            drive(selector, List.of(conn), 1);
            assertThat(key.interestOps() & SelectionKey.OP_WRITE).isZero();
        }
        assertThat(received.get()).isEqualTo(size);
    }

    @Test
    void pipelinesRequestsAndMatchesResponsesInOrder() throws Exception {
        RawServer s = serve(c -> {
            for (int i = 1; i <= 3; i++) {
                String head = c.readHead();
                assertThat(head).startsWith("GET /" + i + " HTTP/1.1\r\n");
            }
            // All three answers in one write: the decoder must split them.
            c.write("HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\n1"
                    + "HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\n1\r\n2\r\n0\r\n\r\n"
                    + "HTTP/1.1 202 Accepted\r\ncontent-length: 1\r\n\r\n3");
        });
        HttpConnection conn = connect(s);
        List<RequestRef> refs = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            refs.add(conn.request("GET", "/" + i, HttpHeaders.EMPTY, RequestBody.none()));
        }
        assertThat(conn.openRequestCount()).isEqualTo(3);
        List<Exchange> ex = Exchange.awaitAll(conn, refs, WAIT);
        assertThat(ex).extracting(Exchange::status).containsExactly(200, 201, 202);
        assertThat(ex).extracting(Exchange::bodyText).containsExactly("1", "2", "3");
        assertThat(conn.openRequestCount()).isZero();
        assertThat(conn.isOpen()).isTrue();
    }

    @Test
    void onlyTheOwnerMayDriveTheConnection() throws Exception {
        RawServer s = serve(c -> {
            c.readHead();
            c.write(OK);
        });
        HttpConnection conn = connect(s);
        assertThat(conn.owner()).isSameAs(Thread.currentThread());
        CompletableFuture<Throwable> other = CompletableFuture.supplyAsync(() -> {
            try {
                conn.request("GET", "/", HttpHeaders.EMPTY, RequestBody.none());
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        assertThat(other.get(5, TimeUnit.SECONDS))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("owned by thread");
    }

    @Test
    void ownershipCanBeHandedOverAndParked() throws Exception {
        RawServer s = serve(c -> {
            c.readHead();
            c.write(OK);
        });
        HttpConnection conn = connect(s);
        conn.transferOwnership(null); // parked: whoever holds it may claim it
        CompletableFuture<String> other = CompletableFuture.supplyAsync(() -> {
            try {
                conn.transferOwnership(Thread.currentThread());
                RequestRef ref = conn.request("GET", "/", HttpHeaders.EMPTY, RequestBody.none());
                String body = Exchange.await(conn, ref, WAIT).bodyText();
                conn.transferOwnership(null);
                return body;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(other.get(5, TimeUnit.SECONDS)).isEqualTo("ok");
        conn.transferOwnership(Thread.currentThread());
        assertThat(conn.owner()).isSameAs(Thread.currentThread());
    }

    @Test
    void keepsPrivateValues() throws Exception {
        HttpConnection conn = connect(serve(c -> c.readHead()));
        conn.putPrivate("tenant", "blue");
        assertThat(conn.getPrivate("tenant")).isEqualTo("blue");
        conn.putPrivate("tenant", null);
        assertThat(conn.getPrivate("tenant")).isNull();
    }

    @Test
    void closedConnectionRefusesRequestsAndRecv() throws Exception {
        HttpConnection conn = connect(serve(c -> c.readHead()));
        conn.close();
        conn.close(); // idempotent
        assertThat(conn.isOpen()).isFalse();
        assertThatThrownBy(() -> conn.request("GET", "/", HttpHeaders.EMPTY, RequestBody.none()))
                .isInstanceOf(dev.finch.http.HttpProtocolException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> conn.recv(WAIT))
                .isInstanceOf(dev.finch.http.TransportException.class)
                .hasMessageContaining("closed");
    }
}

package dev.finch.bench.load;

import dev.finch.conn.ConnectOptions;
import dev.finch.conn.HttpConnection;
import dev.finch.conn.Protocol;
import dev.finch.conn.RequestBody;
import dev.finch.conn.RequestRef;
import dev.finch.conn.ResponsePart;
import dev.finch.conn.Scheme;
import dev.finch.http.HttpHeaders;
import dev.finch.http.TransportException;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Finch's connection layer over h2c: one HTTP/2 {@link HttpConnection} (prior knowledge) owned by one driver thread
 * that runs it in active mode on its own {@link Selector}. Workers hand requests over through a queue and wait on a
 * future; the driver sends them (holding back what exceeds the server's MAX_CONCURRENT_STREAMS), reads the parts,
 * counts body bytes and completes the futures. This is the "connection process" of docs/connection.md, the least a
 * caller must add to share one multiplexed connection between threads; it is not {@code FinchClient}'s HTTP/2 pool.
 */
final class FinchH2Connection implements BenchClient {
    private static final HttpHeaders GET_HEADERS = HttpHeaders.EMPTY;
    private static final HttpHeaders POST_HEADERS = HttpHeaders.of("content-type", "application/octet-stream");

    private record Command(String method, String path, HttpHeaders headers, RequestBody body, Call call) {}

    /** One request in flight: the worker waits on it, the driver fills it in. */
    private static final class Call extends CompletableFuture<Long> {
        int status;
        long bytes;
    }

    private final Selector selector;
    private final Thread driver;
    private final ConcurrentLinkedQueue<Command> commands = new ConcurrentLinkedQueue<>();
    /** The driver is (about to be) blocked in select: whoever queues a command must wake it. */
    private final AtomicBoolean sleeping = new AtomicBoolean();

    private final CompletableFuture<Void> connected = new CompletableFuture<>();
    private volatile boolean running = true;

    // Touched only by the driver thread, which owns the connection.
    private HttpConnection conn;
    private final Map<RequestRef, Call> inFlight = new HashMap<>();
    private final ArrayDeque<Command> held = new ArrayDeque<>();

    FinchH2Connection(URI base) throws Exception {
        this.selector = Selector.open();
        ConnectOptions options = ConnectOptions.builder()
                .protocols(EnumSet.of(Protocol.HTTP2))
                .connectTimeout(Timeouts.CONNECT)
                .sendTimeout(Timeouts.RESPONSE)
                .build();
        this.driver = new Thread(() -> drive(base, options), "finch-h2-driver");
        driver.setDaemon(true);
        driver.start();
        connected.get(Timeouts.CONNECT.toSeconds() + 5, TimeUnit.SECONDS);
    }

    @Override
    public long get(String path) throws Exception {
        return submit(new Command("GET", path, GET_HEADERS, RequestBody.none(), new Call()));
    }

    @Override
    public long post(String path, byte[] body) throws Exception {
        return submit(new Command("POST", path, POST_HEADERS, RequestBody.of(body), new Call()));
    }

    private long submit(Command command) throws Exception {
        commands.add(command);
        if (sleeping.compareAndSet(true, false)) {
            selector.wakeup();
        }
        long bytes = command.call.get(Timeouts.RESPONSE.toSeconds(), TimeUnit.SECONDS);
        if (command.call.status != 200) {
            throw new BadStatus(command.call.status);
        }
        return bytes;
    }

    private void drive(URI base, ConnectOptions options) {
        try {
            conn = HttpConnection.connect(Scheme.HTTP, base.getHost(), base.getPort(), options);
            conn.register(selector);
            connected.complete(null);
            while (running) {
                sendQueued();
                sleeping.set(true);
                if (commands.isEmpty()) {
                    selector.select(1_000);
                } else {
                    selector.selectNow();
                }
                sleeping.set(false);
                for (SelectionKey key : selector.selectedKeys()) {
                    for (ResponsePart part : conn.stream(key)) {
                        handle(part);
                    }
                }
                selector.selectedKeys().clear();
                if (!conn.isReadable()) {
                    throw new TransportException(TransportException.Reason.CLOSED, "the h2c connection ended");
                }
            }
            failAll(new TransportException(TransportException.Reason.CLOSED, "client closed"));
        } catch (IOException | RuntimeException e) {
            connected.completeExceptionally(e);
            failAll(e);
        } finally {
            if (conn != null) {
                conn.close();
            }
        }
    }

    /** Sends what the server's stream limit allows; the rest waits for streams to end. */
    private void sendQueued() throws IOException {
        Command c;
        while ((c = commands.poll()) != null) {
            held.addLast(c);
        }
        if (held.isEmpty()) {
            return;
        }
        int limit = conn.asHttp2().serverSettings().maxConcurrentStreams();
        while (!held.isEmpty() && conn.openRequestCount() < limit) {
            Command next = held.pollFirst();
            try {
                inFlight.put(conn.request(next.method, next.path, next.headers, next.body), next.call);
            } catch (IOException | RuntimeException e) {
                next.call.completeExceptionally(e);
                if (!conn.isOpen()) {
                    throw e;
                }
            }
        }
    }

    private void handle(ResponsePart part) {
        if (part instanceof ResponsePart.Data d) {
            inFlight.get(d.ref()).bytes += d.bytes().length;
        } else if (part instanceof ResponsePart.Status s) {
            inFlight.get(s.ref()).status = s.code();
        } else if (part instanceof ResponsePart.Done) {
            Call call = inFlight.remove(part.ref());
            call.complete(call.bytes);
        } else if (part instanceof ResponsePart.Error e) {
            Call call = inFlight.remove(part.ref());
            if (call != null) {
                call.completeExceptionally(e.error());
            }
        }
    }

    private void failAll(Exception e) {
        for (Call call : inFlight.values()) {
            call.completeExceptionally(e);
        }
        inFlight.clear();
        for (Command c : held) {
            c.call.completeExceptionally(e);
        }
        held.clear();
        Command c;
        while ((c = commands.poll()) != null) {
            c.call.completeExceptionally(e);
        }
    }

    @Override
    public void close() throws Exception {
        running = false;
        selector.wakeup();
        driver.join(10_000);
        selector.close();
    }
}

package dev.finch.docs;

import dev.finch.conn.ConnectOptions;
import dev.finch.conn.HttpConnection;
import dev.finch.conn.RequestBody;
import dev.finch.conn.RequestRef;
import dev.finch.conn.ResponsePart;
import dev.finch.conn.Scheme;
import dev.finch.http.HttpHeaders;
import dev.finch.http.TransportException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

// tag::connection-process[]
/**
 * One connection wrapped in its own thread, serving any number of callers: the Java form of Mint's ConnectionProcess
 * guide, with the error handling the original leaves out. Callers get a future; the owner thread drives the
 * connection in active mode, so requests from many callers are pipelined (HTTP/1.1) on one socket.
 */
public final class ConnectionProcess implements AutoCloseable {
    /** A whole response. */
    public record Response(int status, HttpHeaders headers, byte[] body) {}

    private record Command(
            String method, String path, HttpHeaders headers, byte[] body, CompletableFuture<Response> future) {}

    /** What we know so far about one request in flight. */
    private static final class Pending {
        final CompletableFuture<Response> future;
        int status;
        HttpHeaders headers = HttpHeaders.EMPTY;
        final ByteArrayOutputStream body = new ByteArrayOutputStream();

        Pending(CompletableFuture<Response> future) {
            this.future = future;
        }
    }

    private final Scheme scheme;
    private final String host;
    private final int port;
    private final ConnectOptions options;
    private final Selector selector;
    private final ConcurrentLinkedQueue<Command> commands = new ConcurrentLinkedQueue<>();
    private final Thread owner;
    private volatile boolean running = true;

    // Touched only by the owner thread: the connection is a value that thread owns.
    private HttpConnection conn;
    private final Map<RequestRef, Pending> pending = new HashMap<>();

    public ConnectionProcess(Scheme scheme, String host, int port, ConnectOptions options) throws IOException {
        this.scheme = scheme;
        this.host = host;
        this.port = port;
        this.options = options;
        this.selector = Selector.open();
        this.owner = new Thread(this::loop, "connection-process-" + host + ":" + port);
        this.owner.start();
    }

    /** Sends a request from any thread; the future completes with the response or its error. */
    public CompletableFuture<Response> request(String method, String path, HttpHeaders headers, byte[] body) {
        CompletableFuture<Response> future = new CompletableFuture<>();
        if (!running) {
            future.completeExceptionally(new IllegalStateException("closed"));
            return future;
        }
        commands.add(new Command(method, path, headers, body, future));
        selector.wakeup(); // the owner may be blocked in select()
        return future;
    }

    private void loop() {
        try {
            while (running) {
                selector.select();
                runCommands();
                for (SelectionKey key : selector.selectedKeys()) {
                    handle(key);
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException | RuntimeException e) {
            failAll(e);
        } finally {
            failAll(new TransportException(TransportException.Reason.CLOSED, "the connection process stopped"));
            if (conn != null) {
                conn.close();
            }
            try {
                selector.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
        }
    }

    private void runCommands() {
        Command c;
        while ((c = commands.poll()) != null) {
            try {
                if (conn == null || !conn.isOpen()) {
                    // Connect lazily, and again after the server closed the last connection.
                    conn = HttpConnection.connect(scheme, host, port, options);
                    conn.register(selector);
                }
                RequestBody body = c.body() == null ? RequestBody.none() : RequestBody.of(c.body());
                RequestRef ref = conn.request(c.method(), c.path(), c.headers(), body);
                pending.put(ref, new Pending(c.future()));
            } catch (IOException e) {
                // Invalid request (the connection is fine) or a dead connection (it is closed): this caller learns.
                c.future().completeExceptionally(e);
                if (conn != null && !conn.isOpen()) {
                    // The other requests in flight get their Error parts from the closed connection.
                    try {
                        process(conn.recv(Duration.ZERO));
                    } catch (IOException nothingLeft) {
                        // every request has had its part
                    }
                    failInFlight(new TransportException(TransportException.Reason.CLOSED, "while sending", e));
                    conn = null;
                }
            }
        }
    }

    private void handle(SelectionKey key) {
        List<ResponsePart> parts;
        try {
            parts = conn.stream(key);
        } catch (IOException e) {
            // An error no request carried (stray bytes from the server): the connection is closed; start afresh.
            failInFlight(e);
            conn = null;
            return;
        }
        if (parts == HttpConnection.UNKNOWN) {
            return; // not our connection's key: cannot happen here, but a multi-connection owner would look elsewhere
        }
        process(parts);
        if (!conn.isOpen()) {
            // Every request in flight has had its Done or Error part; the next command reconnects.
            failInFlight(new TransportException(TransportException.Reason.CLOSED, "by the server"));
            conn = null;
        }
    }

    private void process(List<ResponsePart> parts) {
        for (ResponsePart part : parts) {
            Pending p = pending.get(part.ref());
            if (part instanceof ResponsePart.Status s && !s.isInformational()) {
                p.status = s.code();
            } else if (part instanceof ResponsePart.Headers h && p.status != 0) {
                p.headers = h.headers();
            } else if (part instanceof ResponsePart.Data d) {
                p.body.writeBytes(d.bytes());
            } else if (part instanceof ResponsePart.Done) {
                pending.remove(part.ref());
                p.future.complete(new Response(p.status, p.headers, p.body.toByteArray()));
            } else if (part instanceof ResponsePart.Error e) {
                pending.remove(part.ref());
                p.future.completeExceptionally(e.error());
            }
        }
    }

    private void failInFlight(Exception e) {
        for (Pending p : new ArrayList<>(pending.values())) {
            p.future.completeExceptionally(e);
        }
        pending.clear();
    }

    private void failAll(Exception e) {
        failInFlight(e);
        Command c;
        while ((c = commands.poll()) != null) {
            c.future().completeExceptionally(e);
        }
    }

    /** Stops the owner thread and closes the connection; requests still in flight fail. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        selector.wakeup();
        owner.join();
    }
}
// end::connection-process[]

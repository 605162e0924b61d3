package dev.finch.pool;

import dev.finch.conn.ConnectOptions;
import dev.finch.conn.Http2Connection;
import dev.finch.conn.HttpConnection;
import dev.finch.conn.Protocol;
import dev.finch.conn.RequestRef;
import dev.finch.conn.ResponsePart;
import dev.finch.conn.Scheme;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.TransportException;
import dev.finch.telemetry.FinchEvent;
import dev.finch.telemetry.PoolInfo;
import dev.finch.telemetry.Telemetry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The thread of one {@link Http2Shard}: it owns the shard's connections, drives them in active mode with its own
 * selector, starts queued requests, writes request bodies as windows allow, and hands response parts to the waiting
 * {@link H2Stream}s. Nothing here is touched by another thread except through the shard's queues.
 *
 * <h2>States of a connection (Finch's HTTP/2 pool; the table is {@link Http2State})</h2>
 *
 * <ul>
 *   <li><b>CONNECTING</b>: requests wait (bounded by their pool timeout); with {@code waitForServerSettings} the state
 *       lasts until the server's SETTINGS arrive.
 *   <li><b>CONNECTED</b>: requests start as long as the server's MAX_CONCURRENT_STREAMS allows; the rest wait.
 *   <li><b>READ_ONLY</b>: the connection takes no new request (the server's GOAWAY, {@code maxConnectionAge}); its
 *       streams finish while a fresh connection takes new ones. Streams the server did not process (above GOAWAY's
 *       last-stream-id, REFUSED_STREAM) are sent again on the fresh connection when their body allows it.
 *   <li><b>DISCONNECTED</b>: after a connection ended, the next one is opened at once if it lived long enough (else
 *       after a backoff); after a failed connect, requests fail at once with DISCONNECTED until a capped, jittered
 *       backoff has passed, and the next request then triggers a new attempt. Nothing is attempted while nobody asks,
 *       so an unreachable host costs nothing and nothing is logged (finch#276); attempts show as {@code Reconnect}
 *       events.
 * </ul>
 */
final class Http2Driver implements Runnable {
    private final Http2Shard shard;
    private final PoolInfo key;
    private final PoolConfig config;
    private final PoolConfig.Http2Config h2;
    private final ConnectOptions connectOptions;
    private final Telemetry telemetry;
    private final Ticker ticker;
    private final Scheme scheme;
    private HttpConnection adopted;
    private final Selector selector;
    private volatile boolean selecting;
    private volatile boolean terminating;

    // Owned by the connection thread.
    private PooledHttp2Connection active;
    private final List<PooledHttp2Connection> draining = new ArrayList<>();
    private final Map<RequestRef, H2Stream> streams = new HashMap<>();
    private final ArrayDeque<H2Stream> pending = new ArrayDeque<>();
    private final List<H2Stream> uploading = new ArrayList<>();
    private final Map<RequestRef, Http2Shard.PingRequest> pingWaiters = new HashMap<>();
    private RequestRef keepAlivePing;
    private long pongDeadline = Long.MAX_VALUE;
    private long lastActivity;
    private int failures;
    private long backoffUntil;
    /** Connections in a row that ended young without serving a response. */
    private int quickEnds;

    Http2Driver(Http2Shard shard, PoolInfo key, PoolConfig config, PoolContext context, HttpConnection adopted) {
        this.shard = shard;
        this.key = key;
        this.config = config;
        this.h2 = config.http2();
        this.connectOptions = shard.pool().connectOptions();
        this.telemetry = context.telemetry();
        this.ticker = context.ticker();
        this.scheme = Scheme.of(key.scheme());
        this.adopted = adopted;
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a selector for " + key, e);
        }
    }

    /** Wakes the thread if it is waiting in select (callers call this after queueing work). */
    void wakeup() {
        if (selecting) {
            selector.wakeup();
        }
    }

    /** Ends the thread soon: connections close, and streams still in flight fail. */
    void terminate() {
        terminating = true;
        selector.wakeup();
    }

    @Override
    public void run() {
        IOException end = null;
        try {
            if (adopted != null) {
                HttpConnection c = adopted;
                adopted = null;
                c.transferOwnership(Thread.currentThread());
                install(c.asHttp2());
            } else {
                connect();
            }
            while (!finished()) {
                try {
                    select();
                    long now = ticker.nanos();
                    readConnections(now);
                    takeIncoming();
                    takeScheduled();
                    takePings();
                    timers(now);
                    connectIfNeeded();
                    startPending(now);
                    pumpUploads();
                    closeDrained();
                    publish();
                } catch (RuntimeException bug) {
                    recover(bug);
                }
            }
        } catch (IOException | RuntimeException e) {
            end = e instanceof IOException io ? io : new IOException("the HTTP/2 connection thread failed", e);
        } finally {
            shutdown(end);
        }
    }

    /**
     * A bug surfaced in this loop: what was in flight fails with it, the connections close, and the shard goes on
     * (the next request reconnects) rather than dying and taking its pool key down with it.
     */
    private void recover(RuntimeException bug) {
        IOException e = new IOException("the HTTP/2 connection thread of " + key + " failed: " + bug, bug);
        for (H2Stream s : streams.values()) {
            s.fail(e);
        }
        streams.clear();
        uploading.clear();
        failPending(new FinchException(FinchException.Reason.DISCONNECTED, key.toString(), e));
        failPings(new FinchException(FinchException.Reason.DISCONNECTED, key.toString(), e));
        if (active != null) {
            active.http2.close();
            active = null;
        }
        for (PooledHttp2Connection c : draining) {
            c.http2.close();
        }
        draining.clear();
        keepAlivePing = null;
        pongDeadline = Long.MAX_VALUE;
        shard.state = Http2State.DISCONNECTED;
        publish();
    }

    // ---- connections ------------------------------------------------------------------------------------------------

    private void connect() {
        shard.state = Http2State.CONNECTING;
        long start = System.nanoTime();
        if (telemetry.enabled()) {
            telemetry.emit(new FinchEvent.ConnectStart(key, shard.index));
        }
        try {
            HttpConnection c = key.unixSocket() != null
                    ? HttpConnection.connect(scheme, key.unixSocket(), connectOptions)
                    : HttpConnection.connect(scheme, key.host(), key.port(), connectOptions);
            if (c.protocol() != Protocol.HTTP2) {
                c.close();
                throw new TransportException(
                        TransportException.Reason.PROTOCOL_NOT_NEGOTIATED, "the server chose " + c.protocol());
            }
            if (telemetry.enabled()) {
                telemetry.emit(new FinchEvent.ConnectStop(
                        key, shard.index, System.nanoTime() - start, Protocol.HTTP2.alpnId(), null));
            }
            install(c.asHttp2());
        } catch (IOException | RuntimeException e) {
            if (telemetry.enabled()) {
                telemetry.emit(new FinchEvent.ConnectStop(key, shard.index, System.nanoTime() - start, null, e));
            }
            connectFailed(e instanceof IOException io ? io : new IOException(e));
        }
    }

    private void install(Http2Connection c) throws IOException {
        SelectionKey k = c.register(selector);
        PooledHttp2Connection conn = new PooledHttp2Connection(c, k, ticker.nanos());
        k.attach(conn);
        h2.maxConnectionAge().ifPresent(age -> {
            long jitter = h2.maxConnectionAgeJitter().toNanos();
            // Finch: age + rand(1..jitter), so shards opened together do not all drain at once.
            long extra = jitter > 0 ? 1 + ThreadLocalRandom.current().nextLong(jitter) : 0;
            conn.ageDeadline = conn.openedAt + age.toNanos() + extra;
        });
        active = conn;
        lastActivity = conn.openedAt;
        failures = 0;
        shard.backoffCause = null;
        if (!h2.waitForServerSettings()) {
            conn.go(Http2State.CONNECTED);
        }
        shard.state = conn.state;
    }

    /** A connect attempt failed: waiting requests fail now, new ones until the backoff has passed. */
    private void connectFailed(IOException e) {
        failures++;
        long base = h2.reconnectBackoffMin().toNanos() << Math.min(failures - 1, 20);
        long delay = Math.min(h2.reconnectBackoffMax().toNanos(), base);
        delay = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1); // jitter: 50..100%
        backoffUntil = System.nanoTime() + delay;
        shard.backoffCause = e;
        shard.state = Http2State.DISCONNECTED;
        FinchException down = new FinchException(
                FinchException.Reason.DISCONNECTED, key + " (shard " + shard.index + "): connect failed", e);
        failPending(down);
        if (telemetry.enabled()) {
            telemetry.emit(new FinchEvent.Reconnect(key, shard.index, failures, delay, e));
        }
    }

    /** Opens a connection when there is none and requests wait, or the backoff ended. */
    private void connectIfNeeded() {
        if (active != null || shard.stopped != null) {
            return;
        }
        if (shard.backoffCause != null) {
            if (System.nanoTime() - backoffUntil < 0) {
                return;
            }
            shard.backoffCause = null; // the next request may try again
            shard.state = Http2State.DISCONNECTED;
        }
        if (!pending.isEmpty()) {
            connect();
        }
    }

    /** The current connection ends (closed, failed, GOAWAY, age, lost pong): it drains or is gone. */
    private void retire(PooledHttp2Connection c, boolean reconnectNow) {
        retire(c, reconnectNow, false);
    }

    /**
     * As {@link #retire(PooledHttp2Connection, boolean)}; {@code byUs} marks a connection we end ourselves (its age),
     * which never counts as the server closing a new connection at once.
     */
    private void retire(PooledHttp2Connection c, boolean reconnectNow, boolean byUs) {
        if (c != active) {
            return;
        }
        active = null;
        if (c.state == Http2State.CONNECTED && c.http2.isReadable() && c.http2.openRequestCount() > 0) {
            c.go(Http2State.READ_ONLY);
            draining.add(c);
        } else {
            close(c);
        }
        keepAlivePing = null;
        pongDeadline = Long.MAX_VALUE;
        failPings(new FinchException(FinchException.Reason.DISCONNECTED, "the connection to " + key + " ended"));
        shard.state = Http2State.DISCONNECTED;
        boolean quick = !byUs
                && !c.served
                && ticker.nanos() - c.openedAt < h2.reconnectBackoffMin().toNanos();
        quickEnds = quick ? quickEnds + 1 : 0;
        if (shard.stopped == null && (reconnectNow || !pending.isEmpty())) {
            if (quickEnds < 2) {
                connect();
            } else {
                // A server that closes every new connection before serving anything must not make us loop: after
                // the second such connection in a row, back off as after a failed connect.
                connectFailed(new TransportException(
                        TransportException.Reason.CLOSED,
                        "the server closed " + quickEnds + " new connections at once"));
            }
        }
    }

    private void close(PooledHttp2Connection c) {
        if (c.state != Http2State.DISCONNECTED) {
            c.go(Http2State.DISCONNECTED);
        }
        // Streams still on it get no more parts from a closed connection: end them here.
        for (Iterator<H2Stream> it = streams.values().iterator(); it.hasNext(); ) {
            H2Stream s = it.next();
            if (s.conn == c.http2) {
                it.remove();
                uploading.remove(s);
                s.fail(new FinchException(
                        FinchException.Reason.DISCONNECTED, "the connection to " + key + " was closed"));
            }
        }
        c.http2.close();
    }

    // ---- the loop's steps -------------------------------------------------------------------------------------------

    private boolean finished() {
        if (terminating) {
            return true;
        }
        FinchException.Reason stopped = shard.stopped;
        if (stopped == null) {
            return false;
        }
        failPending(new FinchException(stopped, key + " (shard " + shard.index + ")"));
        return streams.isEmpty();
    }

    private void select() throws IOException {
        long wait = nextTimer();
        selecting = true;
        try {
            if (!shard.incoming.isEmpty() || !shard.scheduled.isEmpty() || !shard.pings.isEmpty()) {
                selector.selectNow();
            } else if (wait == Long.MAX_VALUE) {
                selector.select();
            } else {
                selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait) + 1));
            }
        } finally {
            selecting = false;
        }
    }

    /** Nanoseconds until the next timer (ping, pong deadline, age, backoff), or MAX_VALUE. */
    private long nextTimer() {
        long now = ticker.nanos();
        long next = Long.MAX_VALUE;
        if (active != null) {
            if (active.ageDeadline != Long.MAX_VALUE) { // MAX_VALUE: no age limit (and a negative now would overflow)
                next = Math.min(next, active.ageDeadline - now);
            }
            if (h2.pingInterval().isPresent() && keepAlivePing == null) {
                next = Math.min(next, lastActivity + h2.pingInterval().get().toNanos() - now);
            }
            if (keepAlivePing != null) {
                next = Math.min(next, pongDeadline - now);
            }
        }
        if (shard.backoffCause != null) {
            next = Math.min(next, backoffUntil - System.nanoTime());
        }
        return next == Long.MAX_VALUE ? next : Math.max(0, next);
    }

    private void readConnections(long now) {
        for (SelectionKey k : selector.selectedKeys()) {
            PooledHttp2Connection c = (PooledHttp2Connection) k.attachment();
            lastActivity = now;
            List<ResponsePart> parts;
            try {
                parts = c.http2.stream(k);
            } catch (IOException e) {
                // An error no request carried: the connection is closed.
                if (c == active) {
                    retire(c, false);
                } else if (draining.remove(c)) {
                    close(c);
                }
                continue;
            }
            dispatch(c, parts);
            if (c.state == Http2State.CONNECTING && c.http2.serverSettings() != c.settingsAtOpen) {
                c.go(Http2State.CONNECTED); // waitForServerSettings: the server's SETTINGS arrived
                if (c == active) {
                    shard.state = Http2State.CONNECTED;
                }
            }
            if (!c.http2.isOpen()) {
                retire(c, c.http2.isReadable()); // GOAWAY: a fresh connection takes new requests at once
            }
        }
        selector.selectedKeys().clear();
    }

    private void dispatch(PooledHttp2Connection c, List<ResponsePart> parts) {
        for (ResponsePart part : parts) {
            if (part instanceof ResponsePart.Pong) {
                pong(part.ref());
                continue;
            }
            H2Stream s = streams.get(part.ref());
            if (s == null) {
                continue; // cancelled by its caller
            }
            if (part instanceof ResponsePart.Error e && e.isRetrySafe() && s.requeue()) {
                // The server did not process it (GOAWAY, REFUSED_STREAM): send it again on a fresh connection.
                streams.remove(part.ref());
                pending.addFirst(s);
                continue;
            }
            if (part instanceof ResponsePart.Status) {
                c.served = true;
            } else if (part instanceof ResponsePart.Data d) {
                s.delivered += d.bytes().length;
            }
            s.deliver(part);
            if (part instanceof ResponsePart.Done || part instanceof ResponsePart.Error) {
                streams.remove(part.ref());
                uploading.remove(s);
            }
        }
    }

    private void takeIncoming() {
        H2Stream s;
        while ((s = shard.incoming.poll()) != null) {
            pending.addLast(s);
        }
    }

    private void takeScheduled() {
        H2Stream s;
        while ((s = shard.scheduled.poll()) != null) {
            int ops = s.takeOps();
            boolean live = s.ref != null && streams.get(s.ref) == s;
            if ((ops & H2Stream.OP_CANCEL) != 0) {
                if (live) {
                    streams.remove(s.ref);
                    uploading.remove(s);
                    cancelOnWire(s);
                }
                if (s.conn != null) {
                    // What was delivered but never consumed (queued parts of a halted response) goes back too.
                    s.takeCredit();
                    giveCredit(s, (int) Math.min(Integer.MAX_VALUE, s.delivered - s.credited));
                }
                continue; // a queued one is skipped when its turn comes (tryStart refuses it)
            }
            if ((ops & H2Stream.OP_CREDIT) != 0 && s.conn != null) {
                giveCredit(s, s.takeCredit());
            }
            if ((ops & H2Stream.OP_CHUNK) != 0 && live && !uploading.contains(s)) {
                uploading.add(s);
            }
            if ((ops & H2Stream.OP_END) != 0 && live) {
                // The caller ends the body only after its last write returned, so no chunk is waiting.
                try {
                    s.conn.endRequestBody(s.ref, HttpHeaders.EMPTY);
                } catch (IOException e) {
                    // The server answered or reset first, or the connection failed: the parts tell the caller.
                }
            }
        }
    }

    private void cancelOnWire(H2Stream s) {
        try {
            s.conn.cancelRequest(s.ref); // RST_STREAM CANCEL; the parts it returns are the caller's, who left
        } catch (IOException e) {
            // The connection failed while resetting: its other streams learn it from their Error parts.
        }
    }

    private void giveCredit(H2Stream s, int bytes) {
        if (bytes <= 0 || !s.conn.isReadable()) {
            return;
        }
        try {
            s.conn.consumed(s.ref, bytes);
            s.credited += bytes;
        } catch (IOException | IllegalArgumentException e) {
            // A closed connection needs no window; over-reporting is a bug we must not turn into a crash.
        }
    }

    private void takePings() {
        Http2Shard.PingRequest p;
        while ((p = shard.pings.poll()) != null) {
            if (active == null || active.state != Http2State.CONNECTED) {
                p.result.completeExceptionally(new FinchException(
                        active == null
                                ? FinchException.Reason.DISCONNECTED
                                : FinchException.Reason.CONNECTION_NOT_READY,
                        key + " (shard " + shard.index + ")"));
                continue;
            }
            try {
                p.sentAt = System.nanoTime();
                pingWaiters.put(active.http2.ping(), p);
            } catch (IOException e) {
                p.result.completeExceptionally(e);
            }
        }
    }

    private void pong(RequestRef ref) {
        if (ref == keepAlivePing) {
            keepAlivePing = null;
            pongDeadline = Long.MAX_VALUE;
            return;
        }
        Http2Shard.PingRequest p = pingWaiters.remove(ref);
        if (p != null) {
            p.result.complete(System.nanoTime() - p.sentAt);
        }
    }

    private void failPings(FinchException e) {
        for (Http2Shard.PingRequest p : pingWaiters.values()) {
            p.result.completeExceptionally(e);
        }
        pingWaiters.clear();
    }

    /** Keep-alive pings, their deadline, and the connection's age. */
    private void timers(long now) {
        PooledHttp2Connection c = active;
        if (c == null) {
            return;
        }
        if (c.ageDeadline != Long.MAX_VALUE && now - c.ageDeadline >= 0) { // a user's ticker may well be negative
            if (telemetry.enabled()) {
                telemetry.emit(new FinchEvent.ConnectionAgeReached(key, shard.index, now - c.openedAt));
            }
            retire(c, true, true); // drains; a fresh connection (a new DNS lookup) takes new requests (finch#363)
            return;
        }
        if (keepAlivePing != null && now - pongDeadline >= 0) {
            // No pong in time (Finch has no deadline): the connection is dead even if the socket looks open.
            FinchException lost = new FinchException(
                    FinchException.Reason.PING_TIMEOUT, "no PONG from " + key + " within " + h2.pingTimeout());
            for (H2Stream s : List.copyOf(streams.values())) {
                if (s.conn == c.http2) {
                    streams.remove(s.ref);
                    s.fail(new FinchException(FinchException.Reason.DISCONNECTED, lost.getMessage(), lost));
                }
            }
            active = null;
            close(c);
            shard.state = Http2State.DISCONNECTED;
            keepAlivePing = null;
            pongDeadline = Long.MAX_VALUE;
            return;
        }
        if (h2.pingInterval().isPresent()
                && keepAlivePing == null
                && c.state == Http2State.CONNECTED
                && now - lastActivity >= h2.pingInterval().get().toNanos()) {
            try {
                keepAlivePing = c.http2.ping();
                pongDeadline = now + h2.pingTimeout().toNanos();
            } catch (IOException e) {
                retire(c, false);
            }
        }
    }

    /** Starts queued requests while the connection allows more streams (the rest keep waiting: finch#164). */
    private void startPending(long now) {
        PooledHttp2Connection c = active;
        if (c == null || c.state != Http2State.CONNECTED) {
            return;
        }
        int max = c.http2.serverSettings().maxConcurrentStreams();
        H2Stream s;
        while (c == active
                && c.http2.isOpen()
                && c.http2.openRequestCount() < max
                && (s = pending.pollFirst()) != null) {
            if (!s.tryStart(System.nanoTime())) {
                continue; // its caller gave up while it waited
            }
            try {
                RequestRef ref = c.http2.request(s.method, s.target, s.headers, s.body);
                s.ref = ref;
                s.conn = c.http2;
                streams.put(ref, s);
            } catch (HttpProtocolException e) {
                if (e.reason() == HttpProtocolException.Reason.TOO_MANY_CONCURRENT_REQUESTS
                        || e.reason() == HttpProtocolException.Reason.CLOSED_FOR_WRITING) {
                    if (s.requeue()) {
                        pending.addFirst(s);
                    } else {
                        s.fail(e);
                    }
                    return;
                }
                s.fail(e); // the request itself is invalid; the connection is fine
            } catch (IOException e) {
                // Writing failed: nothing reached the server, so sending it again elsewhere is safe.
                if (s.requeue()) {
                    pending.addFirst(s);
                } else {
                    s.fail(e);
                }
                retire(c, false);
                return;
            }
        }
    }

    /** Writes waiting body chunks within the send windows. */
    private void pumpUploads() {
        for (Iterator<H2Stream> it = uploading.iterator(); it.hasNext(); ) {
            H2Stream s = it.next();
            ByteBuffer chunk = s.pendingChunk();
            if (chunk == null) {
                it.remove();
                continue;
            }
            try {
                if (s.conn.requestBodyWindow(s.ref) <= 0) {
                    continue; // the server's WINDOW_UPDATE brings us back here
                }
                s.conn.streamRequestBody(s.ref, chunk); // within the window; a chunk's excess is copied and queued
            } catch (IOException e) {
                // The server answered (or reset) before the body ended, or the connection failed: the response
                // parts tell the caller; its write returns.
            }
            s.chunkWritten();
            it.remove();
        }
    }

    private void closeDrained() {
        for (Iterator<PooledHttp2Connection> it = draining.iterator(); it.hasNext(); ) {
            PooledHttp2Connection c = it.next();
            if (c.http2.openRequestCount() == 0 || !c.http2.isReadable()) {
                it.remove();
                close(c);
            }
        }
    }

    private void publish() {
        int flight = streams.size();
        shard.inFlight = flight;
        shard.waiting = pending.size() + shard.incoming.size();
        if (active != null) {
            shard.maxConcurrentStreams = active.http2.serverSettings().maxConcurrentStreams();
        }
    }

    private void failPending(FinchException e) {
        takeIncoming();
        H2Stream s;
        while ((s = pending.pollFirst()) != null) {
            s.fail(e);
        }
    }

    private void shutdown(IOException cause) {
        FinchException.Reason reason = shard.stopped != null ? shard.stopped : FinchException.Reason.POOL_STOPPED;
        FinchException stopped = new FinchException(reason, key + " (shard " + shard.index + ")", cause);
        if (shard.stopped == null) {
            shard.stopped = reason;
        }
        shard.terminated = true; // before the last drain: Http2Shard.open takes back what comes after it
        failPending(stopped); // never sent: the client may pick another shard for them
        failPings(stopped);
        // Streams already sent may have been processed: they must not look retriable (POOL_STOPPED would be).
        FinchException cut = new FinchException(
                reason == FinchException.Reason.CLIENT_CLOSED
                        ? FinchException.Reason.CLIENT_CLOSED
                        : FinchException.Reason.DISCONNECTED,
                "the connection to " + key + " (shard " + shard.index + ") closed with the request in flight",
                cause);
        for (H2Stream s : streams.values()) {
            s.fail(cut);
        }
        streams.clear();
        if (active != null) {
            active.http2.close();
            active = null;
        }
        for (PooledHttp2Connection c : draining) {
            c.http2.close();
        }
        draining.clear();
        try {
            selector.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
        shard.state = Http2State.DISCONNECTED;
        shard.inFlight = 0;
        shard.waiting = 0;
    }
}

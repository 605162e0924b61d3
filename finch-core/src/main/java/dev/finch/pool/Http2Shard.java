package dev.finch.pool;

import dev.finch.conn.HttpConnection;
import dev.finch.conn.RequestBody;
import dev.finch.http.HttpHeaders;
import dev.finch.telemetry.RequestInfo;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One HTTP/2 shard: one multiplexed connection (plus connections still draining), driven by one thread of its own
 * ({@code finch-h2-…}, a virtual thread where the runtime has them) in active mode with a selector. Callers hand it
 * requests through a queue and a selector wake-up ({@link #open}) and get their parts back through an
 * {@link H2Stream}; see {@link Http2Driver} for the connection's states, reconnects, pings and ageing.
 *
 * <p>Requests beyond the server's SETTINGS_MAX_CONCURRENT_STREAMS wait in the shard, bounded by their pool and
 * request timeouts, instead of failing (finch#164).
 */
public final class Http2Shard extends Shard {
    final ConcurrentLinkedQueue<H2Stream> incoming = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<H2Stream> scheduled = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<PingRequest> pings = new ConcurrentLinkedQueue<>();
    private final Http2Driver driver;
    private final Thread thread;

    // Published by the connection thread for metrics and for callers deciding fast.
    volatile Http2State state = Http2State.DISCONNECTED;
    volatile int inFlight;
    volatile int maxConcurrentStreams = 100;
    volatile int waiting;
    /** Non-null while a failed connect's backoff runs: new requests fail at once with it as the cause. */
    volatile IOException backoffCause;
    /** Non-null once stopped. */
    volatile FinchException.Reason stopped;

    /**
     * @param adopted a parked HTTP/2 connection to start with (ALPN chose h2 for an HTTP/1 shard), or null to connect
     */
    Http2Shard(Pool pool, int index, HttpConnection adopted) {
        super(pool, index);
        this.driver = new Http2Driver(this, pool.key(), pool.config(), pool.context(), adopted);
        String name = "finch-h2-" + pool.key().toString().replaceAll("[^A-Za-z0-9.:\\[\\]-]", "_") + "-" + index;
        this.thread = PoolContext.newThread(name, driver);
    }

    void start() {
        thread.start();
    }

    /**
     * Queues a request for the connection thread; returns at once. The caller then waits with
     * {@link H2Stream#awaitStarted}.
     *
     * @param replayable whether the body can be sent again (none or bytes), so that a request the server did not
     *     process (GOAWAY, REFUSED_STREAM) is sent again on a fresh connection
     * @throws FinchException POOL_STOPPED or CLIENT_CLOSED if the shard stopped; DISCONNECTED, with the connect
     *     failure as cause, while the backoff after a failed connect runs
     */
    public H2Stream open(
            RequestInfo request,
            String method,
            String target,
            HttpHeaders headers,
            RequestBody body,
            boolean replayable)
            throws FinchException {
        FinchException.Reason s = stopped;
        if (s != null) {
            throw new FinchException(s, pool.key() + " (shard " + index + ")");
        }
        IOException down = backoffCause;
        if (down != null) {
            throw new FinchException(
                    FinchException.Reason.DISCONNECTED,
                    pool.key() + " (shard " + index + "): the last connect failed; retrying after a backoff",
                    down);
        }
        H2Stream stream = new H2Stream(this, request, method, target, headers, body, replayable);
        incoming.add(stream);
        driver.wakeup();
        return stream;
    }

    /**
     * Sends a PING on the connection and waits for the PONG.
     *
     * @return the round trip in nanoseconds
     * @throws FinchException PING_TIMEOUT, DISCONNECTED, CONNECTION_NOT_READY, POOL_STOPPED, CANCELLED
     */
    public long ping(long timeoutNanos) throws IOException {
        PingRequest p = new PingRequest();
        pings.add(p);
        driver.wakeup();
        try {
            return p.result.get(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new FinchException(FinchException.Reason.PING_TIMEOUT, pool.key() + " (shard " + index + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FinchException(FinchException.Reason.CANCELLED, "ping of " + pool.key());
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io
                    ? io
                    : new IOException("ping failed: " + e.getCause(), e.getCause());
        }
    }

    /** Under a stream's lock: it has work for the connection thread. */
    void schedule(H2Stream stream) {
        scheduled.add(stream);
        driver.wakeup();
    }

    /** What a request gets when the pool or request timeout passes while it waits for a stream. */
    FinchException queueTimeout(boolean poolTimeout) {
        Http2State st = state;
        String seen = "shard " + index + " of " + pool.count() + " is " + st.id() + " with " + inFlight
                + " streams in flight of " + maxConcurrentStreams + " allowed and " + waiting + " requests waiting";
        if (!poolTimeout) {
            return new FinchException(FinchException.Reason.REQUEST_TIMEOUT, pool.key() + ": still queued; " + seen);
        }
        if (st == Http2State.CONNECTING && pool.config().http2().waitForServerSettings()) {
            return new FinchException(FinchException.Reason.CONNECTION_NOT_READY, pool.key() + ": " + seen);
        }
        if (st == Http2State.DISCONNECTED || st == Http2State.CONNECTING) {
            return new FinchException(FinchException.Reason.DISCONNECTED, pool.key() + ": " + seen);
        }
        return new FinchException(
                FinchException.Reason.POOL_TIMEOUT,
                pool.key() + ": " + seen + "; raise count (connections) or the pool timeout");
    }

    @Override
    public Http2PoolMetrics metrics() {
        int max = maxConcurrentStreams;
        int flight = inFlight;
        return new Http2PoolMetrics(index, state.id(), flight, Math.max(0, max - flight), max, waiting);
    }

    @Override
    void stop(FinchException.Reason reason) {
        if (stopped == null) {
            stopped = reason;
        }
        driver.wakeup();
    }

    @Override
    boolean isDrained() {
        return !thread.isAlive();
    }

    @Override
    boolean awaitDrained(long deadlineNanos) throws InterruptedException {
        long left = deadlineNanos - System.nanoTime();
        if (left > 0) {
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
        return !thread.isAlive();
    }

    @Override
    void terminate() throws InterruptedException {
        driver.terminate();
        thread.join(TimeUnit.SECONDS.toMillis(10));
    }

    @Override
    long sweep(long now) {
        return Long.MAX_VALUE; // idle limits are HTTP/1 options (as in Finch)
    }

    /** A ping waiting for its pong. */
    static final class PingRequest {
        final CompletableFuture<Long> result = new CompletableFuture<>();
        long sentAt;
    }
}

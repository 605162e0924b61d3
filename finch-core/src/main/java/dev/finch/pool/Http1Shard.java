package dev.finch.pool;

import dev.finch.conn.ConnectOptions;
import dev.finch.conn.HttpConnection;
import dev.finch.conn.Protocol;
import dev.finch.conn.Scheme;
import dev.finch.telemetry.FinchEvent;
import dev.finch.telemetry.PoolInfo;
import dev.finch.telemetry.RequestInfo;
import dev.finch.telemetry.Telemetry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One HTTP/1 shard (Finch's NimblePool): up to {@code size} connections, opened lazily. A request checks a
 * connection out, its own thread does the I/O in passive mode, and it checks the connection back in. This class
 * starts no thread and never does I/O while holding its lock.
 *
 * <h2>Checkout</h2>
 *
 * <ol>
 *   <li>An idle connection, most recently used first. Connections idle longer than {@code connMaxIdleTime} are closed
 *       on the way. Whether the server closed it while it sat idle is checked by the connection before it writes the
 *       next request (finch#62).
 *   <li>Otherwise, if fewer than {@code size} are open, the caller opens a new one on its own thread.
 *   <li>Otherwise the caller waits in a FIFO queue. A connection checked in goes straight to the first waiter (no
 *       barging), as does the right to open one when a connection is discarded. A waiter gives up at the pool
 *       timeout with {@link FinchException.Reason#POOL_TIMEOUT}, or at the request timeout with
 *       {@link FinchException.Reason#REQUEST_TIMEOUT}; an interrupt ends the wait with
 *       {@link FinchException.Reason#CANCELLED}.
 * </ol>
 *
 * <p>The lock guards the idle stack, the waiter queue and the counters; it is held for a few field updates only.
 */
public final class Http1Shard extends Shard {
    /** A waiter's grant that means "you may open a connection": the slot is already counted as open and in use. */
    private static final Object PERMIT = new Object();
    /** A waiter's grant that means "the shard stopped". */
    private static final Object STOPPED = new Object();

    private final PoolInfo key;
    private final Scheme scheme;
    private final int size;
    private final long connMaxIdleNanos;
    private final ConnectOptions connectOptions;
    private final Telemetry telemetry;
    private final Ticker ticker;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition drained = lock.newCondition();
    /** Idle connections; the first is the most recently checked in. */
    private final ArrayDeque<PooledConnection> idle = new ArrayDeque<>();
    /** Connections lent to callers right now, so that {@link #terminate} can cut them when close() gives up waiting. */
    private final Set<PooledConnection> lent = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Requests waiting for a connection, first come first served. */
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    /** Connections open or being opened; never more than size. */
    private int open;
    /** Connections checked out (or being opened for a request). */
    private int inUse;
    /** Ticker time of the last checkout or checkin. */
    private long lastActivity;
    /** Non-null once stopped: why. */
    private FinchException.Reason stopped;

    Http1Shard(Pool pool, int index) {
        super(pool, index);
        this.key = pool.key();
        this.scheme = Scheme.of(key.scheme());
        this.size = pool.config().size();
        this.connMaxIdleNanos = nanosOrMax(pool.config().connMaxIdleTime().orElse(null));
        this.connectOptions = pool.connectOptions();
        this.telemetry = pool.context().telemetry();
        this.ticker = pool.context().ticker();
        this.lastActivity = ticker.nanos();
    }

    /**
     * Checks a connection out for the calling thread, which owns it until {@link #checkin} or {@link #discard}.
     *
     * @param request for telemetry
     * @param queueDeadline when to give up waiting ({@link System#nanoTime()} based): the pool timeout
     * @param requestDeadline when the whole request must end; bounds the wait and the connect too
     * @param fresh whether to avoid reused connections (the retry after a stale one failed): a new connection is
     *     opened, closing the oldest idle one if the shard is full
     * @throws FinchException POOL_TIMEOUT, REQUEST_TIMEOUT, POOL_STOPPED, CLIENT_CLOSED, CANCELLED (interrupted; the
     *     interrupt status stays set)
     * @throws dev.finch.http.TransportException when opening a new connection fails (TIMEOUT when the request deadline
     *     cut it short, a proxy's tunnel included; the caller reports that as REQUEST_TIMEOUT)
     */
    public PooledConnection checkout(RequestInfo request, long queueDeadline, long requestDeadline, boolean fresh)
            throws IOException {
        long start = System.nanoTime();
        if (telemetry.enabled()) {
            telemetry.emit(new FinchEvent.QueueStart(key, index, request));
        }
        PooledConnection pc;
        try {
            pc = acquire(queueDeadline, requestDeadline, fresh);
        } catch (FinchException | RuntimeException e) {
            if (telemetry.enabled()) {
                telemetry.emit(new FinchEvent.QueueException(key, index, request, System.nanoTime() - start, e));
            }
            throw e;
        }
        if (telemetry.enabled()) {
            boolean reused = pc != null;
            long idleNanos = reused ? pc.idleNanos : 0;
            telemetry.emit(new FinchEvent.QueueStop(key, index, request, System.nanoTime() - start, idleNanos, reused));
            if (reused) {
                telemetry.emit(new FinchEvent.ReusedConnection(key, index, idleNanos));
            }
        }
        PooledConnection out = pc != null ? pc : connect(requestDeadline);
        lock.lock();
        try {
            lent.add(out);
        } finally {
            lock.unlock();
        }
        return out;
    }

    /**
     * Hands a connection back. It goes to the first waiter, or to the idle stack, if it can carry another request
     * (open, nothing in flight); otherwise it is closed. Called by the thread that checked it out.
     */
    public void checkin(PooledConnection pc) {
        HttpConnection c = pc.connection;
        boolean reusable = c.isOpen() && c.openRequestCount() == 0;
        if (reusable) {
            c.transferOwnership(null); // parked: whoever takes it next claims it
        } else {
            c.close();
        }
        boolean closeParked = false;
        lock.lock();
        try {
            lent.remove(pc);
            long now = ticker.nanos();
            lastActivity = now;
            if (reusable && stopped == null) {
                pc.lastUsed = now;
                pc.uses++;
                Waiter w = waiters.pollFirst();
                if (w != null) {
                    pc.idleNanos = 0;
                    w.grant = pc; // stays in use: handed over directly
                    w.ready.signal();
                    return;
                }
                inUse--;
                idle.addFirst(pc);
                return;
            }
            closeParked = reusable;
            releaseSlotLocked();
        } finally {
            lock.unlock();
        }
        if (closeParked) {
            c.close();
        }
    }

    /** Closes a checked-out connection (after an error, a halt or a timeout) and frees its slot. */
    public void discard(PooledConnection pc) {
        pc.connection.close();
        lock.lock();
        try {
            lent.remove(pc);
            lastActivity = ticker.nanos();
            releaseSlotLocked();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The client's close timeout passed with connections still lent: cut their sockets (the one thing another thread
     * may do to a connection, {@link HttpConnection#abort()}), so that no socket outlives the client. Each borrower's
     * blocked read or write wakes with a TransportException CLOSED, and it discards the connection as after any
     * failure.
     */
    @Override
    void terminate() {
        List<PooledConnection> cut;
        lock.lock();
        try {
            cut = new ArrayList<>(lent);
        } finally {
            lock.unlock();
        }
        for (PooledConnection pc : cut) {
            pc.connection.abort();
        }
    }

    @Override
    public Http1PoolMetrics metrics() {
        lock.lock();
        try {
            return new Http1PoolMetrics(index, size, size - inUse, inUse, idle.size(), waiters.size());
        } finally {
            lock.unlock();
        }
    }

    @Override
    void stop(FinchException.Reason reason) {
        List<PooledConnection> toClose;
        lock.lock();
        try {
            toClose = stopLocked(reason);
        } finally {
            lock.unlock();
        }
        closeAll(toClose);
    }

    /** Under the lock: marks the shard stopped, wakes waiters, and returns the idle connections to close. */
    List<PooledConnection> stopLocked(FinchException.Reason reason) {
        if (stopped != null) {
            return List.of();
        }
        stopped = reason;
        List<PooledConnection> toClose = new ArrayList<>(idle);
        open -= idle.size();
        idle.clear();
        for (Waiter w : waiters) {
            w.grant = STOPPED;
            w.ready.signal();
        }
        waiters.clear();
        if (inUse == 0) {
            drained.signalAll();
        }
        return toClose;
    }

    static void closeAll(List<PooledConnection> connections) {
        for (PooledConnection pc : connections) {
            pc.connection.close(); // parked: closable by any thread
        }
    }

    @Override
    boolean isDrained() {
        lock.lock();
        try {
            return inUse == 0;
        } finally {
            lock.unlock();
        }
    }

    @Override
    boolean awaitDrained(long deadlineNanos) throws InterruptedException {
        lock.lock();
        try {
            while (inUse > 0) {
                long remaining = deadlineNanos - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                drained.awaitNanos(remaining);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes idle connections past connMaxIdleTime. Returns the last activity time, or {@link Long#MAX_VALUE} while
     * something is checked out or waiting (the pool is not idle then, however long ago it started).
     */
    @Override
    long sweep(long now) {
        List<PooledConnection> expired;
        long last;
        lock.lock();
        try {
            expired = evictExpiredLocked(now);
            last = inUse > 0 || !waiters.isEmpty() ? Long.MAX_VALUE : lastActivity;
        } finally {
            lock.unlock();
        }
        closeExpired(expired, now);
        return last;
    }

    /**
     * Under the lock: whether nothing is in use or waiting, and no checkout or checkin happened after
     * {@code idleSince}. The pool's idle stop asks every shard, with every shard's lock taken in index order.
     */
    boolean idleSinceLocked(long idleSince) {
        return inUse == 0 && waiters.isEmpty() && lastActivity - idleSince <= 0;
    }

    ReentrantLock lock() {
        return lock;
    }

    // ---- checkout internals -------------------------------------------------------------------------------------

    /** Returns an idle connection (owned by the caller now), or null: the caller may open one. */
    private PooledConnection acquire(long queueDeadline, long requestDeadline, boolean fresh) throws FinchException {
        Object grant = reserve(queueDeadline, requestDeadline, fresh);
        if (grant == PERMIT) {
            return null;
        }
        PooledConnection pc = (PooledConnection) grant;
        // Whether the server closed it while idle is checked by the connection itself, with one non-blocking read,
        // before it writes the next request (it then throws with requestNotSent, and the request is retried).
        pc.connection.transferOwnership(Thread.currentThread());
        return pc;
    }

    /** Under the lock: an idle connection, PERMIT, or a grant after waiting. */
    private Object reserve(long queueDeadline, long requestDeadline, boolean fresh) throws FinchException {
        List<PooledConnection> expired = null;
        long now = ticker.nanos();
        lock.lock();
        try {
            if (stopped != null) {
                throw stoppedException(stopped);
            }
            lastActivity = now;
            expired = evictExpiredLocked(now);
            if (!fresh) {
                PooledConnection pc = idle.pollFirst();
                if (pc != null) {
                    inUse++;
                    pc.idleNanos = now - pc.lastUsed;
                    return pc;
                }
            } else if (open >= size && !idle.isEmpty()) {
                // Make room for the fresh connection: the oldest idle one is the likeliest to be stale as well.
                if (expired == null) {
                    expired = new ArrayList<>(1);
                }
                expired.add(idle.pollLast());
                open--;
            }
            if (open < size) {
                open++;
                inUse++;
                return PERMIT;
            }
            return awaitGrantLocked(queueDeadline, requestDeadline);
        } finally {
            lock.unlock();
            if (expired != null) {
                closeExpired(expired, now);
            }
        }
    }

    private Object awaitGrantLocked(long queueDeadline, long requestDeadline) throws FinchException {
        Waiter w = new Waiter(lock.newCondition());
        waiters.addLast(w);
        long deadline = Math.min(queueDeadline, requestDeadline);
        try {
            while (w.grant == null) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    waiters.remove(w);
                    throw timeoutException(queueDeadline <= requestDeadline);
                }
                w.ready.awaitNanos(remaining);
            }
        } catch (InterruptedException e) {
            waiters.remove(w);
            giveBackLocked(w.grant);
            Thread.currentThread().interrupt();
            throw new FinchException(
                    FinchException.Reason.CANCELLED,
                    "interrupted while waiting for a connection to " + key + " (shard " + index + ")");
        }
        if (w.grant == STOPPED) {
            throw stoppedException(stopped);
        }
        return w.grant;
    }

    /** Undoes a grant that arrived as its waiter gave up. */
    private void giveBackLocked(Object grant) {
        if (grant instanceof PooledConnection pc) {
            Waiter next = waiters.pollFirst();
            if (next != null) {
                next.grant = pc;
                next.ready.signal();
            } else {
                inUse--;
                idle.addFirst(pc);
            }
        } else if (grant == PERMIT) {
            releaseSlotLocked();
        }
    }

    /** One connection fewer: its slot goes to the first waiter (who opens a new one), or is freed. */
    private void releaseSlotLocked() {
        Waiter w = stopped == null ? waiters.pollFirst() : null;
        if (w != null) {
            w.grant = PERMIT; // open and inUse stay: the waiter takes this slot over
            w.ready.signal();
            return;
        }
        open--;
        inUse--;
        if (inUse == 0 && stopped != null) {
            drained.signalAll();
        }
    }

    /** Removes idle connections past connMaxIdleTime (the oldest are last) and returns them, or null. */
    private List<PooledConnection> evictExpiredLocked(long now) {
        List<PooledConnection> expired = null;
        PooledConnection oldest;
        while ((oldest = idle.peekLast()) != null && now - oldest.lastUsed > connMaxIdleNanos) {
            idle.pollLast();
            open--;
            if (expired == null) {
                expired = new ArrayList<>(2);
            }
            expired.add(oldest);
        }
        return expired;
    }

    private void closeExpired(List<PooledConnection> expired, long now) {
        if (expired == null) {
            return;
        }
        for (PooledConnection pc : expired) {
            pc.connection.close(); // parked: closable by any thread
            long idleNanos = now - pc.lastUsed;
            if (telemetry.enabled() && idleNanos > connMaxIdleNanos) {
                telemetry.emit(new FinchEvent.ConnMaxIdleTimeExceeded(key, index, idleNanos));
            }
        }
    }

    /** Opens a connection in a slot already counted; on failure the slot is released. */
    private PooledConnection connect(long requestDeadline) throws IOException {
        long start = System.nanoTime();
        if (telemetry.enabled()) {
            telemetry.emit(new FinchEvent.ConnectStart(key, index));
        }
        try {
            // The request timeout covers the connect as well (finch#26), a proxy's tunnel included: every step of
            // this connect ends by the request deadline. It is this connect's alone, never part of the pool's options.
            HttpConnection c = key.unixSocket() != null
                    ? HttpConnection.connect(scheme, key.unixSocket(), connectOptions, requestDeadline)
                    : HttpConnection.connect(scheme, key.host(), key.port(), connectOptions, requestDeadline);
            if (telemetry.enabled()) {
                telemetry.emit(new FinchEvent.ConnectStop(
                        key, index, System.nanoTime() - start, c.protocol().alpnId(), null));
            }
            if (c.protocol() == Protocol.HTTP2) {
                return switchToHttp2(c);
            }
            return new PooledConnection(this, c, ticker.nanos());
        } catch (IOException | RuntimeException e) {
            if (telemetry.enabled()) {
                telemetry.emit(new FinchEvent.ConnectStop(key, index, System.nanoTime() - start, null, e));
            }
            lock.lock();
            try {
                releaseSlotLocked();
            } finally {
                lock.unlock();
            }
            throw e;
        }
    }

    /**
     * ALPN chose h2 (protocols HTTP/1 and HTTP/2 over https): this shard hands the connection to the pool, which
     * replaces it with an HTTP/2 shard (finch#265), and the caller picks a shard again.
     */
    private PooledConnection switchToHttp2(HttpConnection c) throws FinchException {
        lock.lock();
        try {
            releaseSlotLocked();
        } finally {
            lock.unlock();
        }
        c.transferOwnership(null); // parked: the HTTP/2 shard's thread claims it
        pool.adoptHttp2(this, c);
        throw new FinchException(
                FinchException.Reason.POOL_STOPPED, key + " (shard " + index + ") speaks HTTP/2 now: pick again");
    }

    private FinchException timeoutException(boolean poolTimeout) {
        // Say what was seen, so that the fix is obvious: a bigger size, a bigger count, or a slower caller (finch#126).
        String seen = "shard " + index + " of " + pool.count() + " has all " + size + " connections in use and "
                + waiters.size() + " requests waiting";
        if (poolTimeout) {
            return new FinchException(
                    FinchException.Reason.POOL_TIMEOUT,
                    key + ": " + seen + "; raise size (connections per shard) or count (shards), or the pool timeout");
        }
        return new FinchException(FinchException.Reason.REQUEST_TIMEOUT, key + ": still queued; " + seen);
    }

    private FinchException stoppedException(FinchException.Reason reason) {
        return new FinchException(reason, key + " (shard " + index + ")");
    }

    private static long nanosOrMax(Duration d) {
        return d == null ? Long.MAX_VALUE : TimeUnit.NANOSECONDS.convert(d);
    }

    /** A request waiting for a connection. */
    private static final class Waiter {
        final Condition ready;
        /** A PooledConnection, PERMIT or STOPPED; set under the lock. */
        Object grant;

        Waiter(Condition ready) {
            this.ready = ready;
        }
    }
}

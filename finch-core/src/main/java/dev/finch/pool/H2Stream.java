package dev.finch.pool;

import dev.finch.conn.Http2Connection;
import dev.finch.conn.RequestBody;
import dev.finch.conn.RequestRef;
import dev.finch.conn.ResponsePart;
import dev.finch.http.HttpHeaders;
import dev.finch.http.TransportException;
import dev.finch.telemetry.RequestInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One request on an {@link Http2Shard}, as its caller sees it: the caller's thread hands it to the shard's connection
 * thread, waits for it to start, streams its body, and takes its response parts; the connection thread starts it,
 * writes for it and delivers parts to it. The lock guards what both threads touch; neither holds it across a wait for
 * the other.
 *
 * <p>Back-pressure both ways: {@link #write} returns only once the connection took the chunk within its send window
 * (so the caller never runs ahead of the server), and the receive window opens only as the caller reports
 * {@link #consumed} bytes (finch#282): a caller that stops reading stops the server.
 */
public final class H2Stream {
    static final int QUEUED = 0;
    static final int STARTED = 1;
    static final int ENDED = 2;
    /** The caller gave up (timeout, halt, cancel): the connection thread drops or resets it. */
    static final int ABANDONED = 3;

    /** Pending work for the connection thread. */
    static final int OP_CHUNK = 1;

    static final int OP_END = 2;
    static final int OP_CANCEL = 4;
    static final int OP_CREDIT = 8;

    /** Consumed bytes are reported to the connection thread in batches of at least this much (or when idle). */
    private static final int CREDIT_BATCH = 32 * 1024;

    final Http2Shard shard;
    final RequestInfo request;
    final String method;
    final String target;
    final HttpHeaders headers;
    final RequestBody body;
    /** Whether the request may be sent again after an UNPROCESSED error (its body is none or bytes). */
    final boolean replayable;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    // Guarded by lock.
    private int state = QUEUED;
    private final ArrayDeque<ResponsePart> parts = new ArrayDeque<>();
    private IOException failure;
    private ByteBuffer chunk;
    private boolean bodyStarted;
    private int credit;
    private int ops;
    private boolean scheduled;
    long startedAt;

    // Touched by the connection thread only.
    RequestRef ref;
    Http2Connection conn;
    /** Body bytes handed to this stream, and bytes credited back to the server for it. */
    long delivered;

    long credited;

    H2Stream(
            Http2Shard shard,
            RequestInfo request,
            String method,
            String target,
            HttpHeaders headers,
            RequestBody body,
            boolean replayable) {
        this.shard = shard;
        this.request = request;
        this.method = method;
        this.target = target;
        this.headers = headers;
        this.body = body;
        this.replayable = replayable;
    }

    // ---- the caller's side ------------------------------------------------------------------------------------------

    /**
     * Waits until the connection thread started the request (sent its head), or fails.
     *
     * @param queueDeadline the pool timeout ({@link System#nanoTime()} based)
     * @param requestDeadline the request timeout
     * @return when it started
     * @throws FinchException POOL_TIMEOUT, REQUEST_TIMEOUT, CONNECTION_NOT_READY (still waiting for the server's
     *     SETTINGS at the pool timeout), DISCONNECTED, POOL_STOPPED, CLIENT_CLOSED, CANCELLED (interrupted)
     * @throws IOException what refused the request (an invalid header: {@code HttpProtocolException})
     */
    public long awaitStarted(long queueDeadline, long requestDeadline) throws IOException {
        long deadline = Math.min(queueDeadline, requestDeadline);
        lock.lock();
        try {
            while (state == QUEUED && failure == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    state = ABANDONED;
                    schedule(OP_CANCEL);
                    throw shard.queueTimeout(queueDeadline <= requestDeadline);
                }
                awaitLocked(left);
            }
            if (failure != null) {
                throw failure;
            }
            return startedAt;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Hands a body chunk to the connection thread and waits until the connection took it within its send window. The
     * chunk may be reused when this returns. Returns at once if the response already ended (the server answered
     * before the body was complete).
     *
     * @throws TransportException TIMEOUT if the window did not open before the deadline
     * @throws IOException the request's failure
     */
    public void write(ByteBuffer data, long deadline) throws IOException {
        lock.lock();
        try {
            bodyStarted = true;
            chunk = data;
            schedule(OP_CHUNK);
            while (chunk != null && state == STARTED && failure == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TransportException(
                            TransportException.Reason.TIMEOUT, "the server's flow-control window stayed closed");
                }
                awaitLocked(left);
            }
            chunk = null;
            if (failure != null) {
                throw failure;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Ends the request body. */
    public void end() {
        lock.lock();
        try {
            schedule(OP_END);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the parts that arrived, waiting up to {@code timeoutNanos} for at least one.
     *
     * @throws TransportException TIMEOUT if none arrived in time
     * @throws FinchException CANCELLED if the thread was interrupted
     */
    public void take(List<ResponsePart> into, long timeoutNanos) throws IOException {
        lock.lock();
        try {
            long deadline = System.nanoTime() + timeoutNanos;
            while (parts.isEmpty()) {
                if (failure != null) {
                    throw failure;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TransportException(TransportException.Reason.TIMEOUT, "no response data in time");
                }
                if (credit > 0) {
                    schedule(OP_CREDIT); // about to wait: give back all the window we hold
                }
                awaitLocked(left);
            }
            into.addAll(parts);
            parts.clear();
        } finally {
            lock.unlock();
        }
    }

    /** Reports that the caller consumed {@code bytes} of body data: the server may send that much more. */
    public void consumed(int bytes) {
        lock.lock();
        try {
            credit += bytes;
            if (credit >= CREDIT_BATCH) {
                schedule(OP_CREDIT);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The caller is done with a response that ended normally: the credit it still holds goes back to the server, so
     * that no receive window is lost.
     */
    public void finish() {
        lock.lock();
        try {
            if (credit > 0) {
                schedule(OP_CREDIT);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops the request: a queued one is dropped, a started one reset (RST_STREAM CANCEL), and every byte delivered
     * but not consumed is credited back to the server (the connection window would shrink for good otherwise).
     * Idempotent.
     */
    public void cancel() {
        lock.lock();
        try {
            if (state == ABANDONED) {
                return;
            }
            state = ABANDONED;
            parts.clear();
            schedule(OP_CANCEL);
        } finally {
            lock.unlock();
        }
    }

    private void awaitLocked(long nanos) throws FinchException {
        try {
            changed.awaitNanos(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (state == QUEUED || state == STARTED) {
                state = ABANDONED;
                schedule(OP_CANCEL);
            }
            throw new FinchException(FinchException.Reason.CANCELLED, request.method() + " " + request.uri());
        }
    }

    /** Under the lock: asks the connection thread to look at this stream. */
    private void schedule(int op) {
        ops |= op;
        if (!scheduled) {
            scheduled = true;
            shard.schedule(this);
        }
    }

    // ---- the connection thread's side -------------------------------------------------------------------------------

    /** Takes the pending operations (and the chunk to write, if any). */
    int takeOps() {
        lock.lock();
        try {
            int o = ops;
            ops = 0;
            scheduled = false;
            return o;
        } finally {
            lock.unlock();
        }
    }

    /** The chunk the caller waits to have written, or null. */
    ByteBuffer pendingChunk() {
        lock.lock();
        try {
            return state == STARTED ? chunk : null;
        } finally {
            lock.unlock();
        }
    }

    /** The connection took the pending chunk. */
    void chunkWritten() {
        lock.lock();
        try {
            chunk = null;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Takes the credit to report, or 0. */
    int takeCredit() {
        lock.lock();
        try {
            int c = credit;
            credit = 0;
            return c;
        } finally {
            lock.unlock();
        }
    }

    /** Marks it started unless the caller gave up; returns whether to send it. Called before sending. */
    boolean tryStart(long now) {
        lock.lock();
        try {
            if (state != QUEUED) {
                return false;
            }
            state = STARTED;
            startedAt = now;
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Back to the queue (the server did not process it); false if that is not safe any more. */
    boolean requeue() {
        lock.lock();
        try {
            if (state != STARTED || !replayable || bodyStarted) {
                return false;
            }
            state = QUEUED;
            ref = null;
            conn = null;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Hands parts to the caller; a Done or Error ends the stream. */
    void deliver(ResponsePart part) {
        lock.lock();
        try {
            if (state == ABANDONED) {
                return;
            }
            parts.add(part);
            if (part instanceof ResponsePart.Done || part instanceof ResponsePart.Error) {
                state = ENDED;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Fails the request (before it started, or with a pool-level error after). */
    void fail(IOException e) {
        lock.lock();
        try {
            if (state == ABANDONED || state == ENDED) {
                return;
            }
            failure = e;
            state = ENDED;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Whether the caller gave up on it. */
    boolean abandoned() {
        lock.lock();
        try {
            return state == ABANDONED;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "H2Stream[" + method + " " + target + (ref != null ? " " + ref : "") + "]";
    }
}

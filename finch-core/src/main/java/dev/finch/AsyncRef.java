package dev.finch;

import dev.finch.pool.FinchException;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Names a request sent with {@link FinchClient#asyncRequest} (Finch's {@code request_ref}); pass it to
 * {@link FinchClient#cancel(AsyncRef)}. Compared by identity.
 *
 * <p>The request runs on a thread of the client's async executor, like any synchronous call. Cancelling marks it and
 * interrupts that thread if the request is running: a wait for a connection ends, a blocked read ends and its HTTP/1
 * connection is closed (an HTTP/2 stream is reset), and the handler gets {@code onError} with
 * {@link FinchException.Reason#CANCELLED}. The interrupt never reaches the thread's next task: it is cleared under
 * the same lock before the thread moves on.
 */
public final class AsyncRef {
    private static final AtomicLong IDS = new AtomicLong();

    private static final int PENDING = 0;
    private static final int RUNNING = 1;
    private static final int DONE = 2;
    private static final int CANCELLED = 3;

    private final long id = IDS.incrementAndGet();
    private final AsyncTask task;
    private final ReentrantLock lock = new ReentrantLock();
    private int state = PENDING;
    private Thread runner;

    AsyncRef(AsyncTask task) {
        this.task = task;
    }

    /** A JVM-unique number, for logs. */
    public long id() {
        return id;
    }

    /** Whether the request ended: completed, failed or cancelled. */
    public boolean isDone() {
        lock.lock();
        try {
            return state >= DONE;
        } finally {
            lock.unlock();
        }
    }

    /** Whether the request was cancelled. */
    public boolean isCancelled() {
        return state() == CANCELLED;
    }

    private int state() {
        lock.lock();
        try {
            return state;
        } finally {
            lock.unlock();
        }
    }

    /** What {@link #cancel()} found. */
    static final int WAS_PENDING = 0;

    static final int WAS_RUNNING = 1;
    static final int WAS_OVER = 2;

    /**
     * Marks the request cancelled: a pending one will not run (its caller reports it), a running one has its thread
     * interrupted.
     */
    int cancel() {
        lock.lock();
        try {
            if (state >= DONE) {
                return WAS_OVER;
            }
            int was = state == PENDING ? WAS_PENDING : WAS_RUNNING;
            state = CANCELLED;
            if (runner != null) {
                runner.interrupt();
            }
            return was;
        } finally {
            lock.unlock();
        }
    }

    /** Ends a pending request without running it (the executor refused it); false if it was not pending. */
    boolean claim() {
        lock.lock();
        try {
            if (state != PENDING) {
                return false;
            }
            state = DONE;
            return true;
        } finally {
            lock.unlock();
        }
    }

    AsyncTask task() {
        return task;
    }

    /** Called by the executor thread first: false if the request was cancelled (and reported) before it started. */
    boolean begin() {
        lock.lock();
        try {
            if (state != PENDING) {
                return false;
            }
            state = RUNNING;
            runner = Thread.currentThread();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Called by the executor thread last. Clears an interrupt that {@link #cancel()} may have sent, so that it cannot
     * reach the thread's next task (cancel interrupts only while {@code runner} is set, under this lock).
     *
     * @return whether the request was cancelled
     */
    boolean end() {
        lock.lock();
        try {
            runner = null;
            boolean cancelled = state == CANCELLED;
            if (!cancelled) {
                state = DONE;
            }
            Thread.interrupted();
            return cancelled;
        } finally {
            lock.unlock();
        }
    }

    /** What a cancelled request reports. */
    FinchException cancelledError(IOException cause) {
        return new FinchException(FinchException.Reason.CANCELLED, "async request " + this, cause);
    }

    @Override
    public String toString() {
        return "AsyncRef#" + id;
    }
}

package dev.finch.pool;

/**
 * One shard of a {@link Pool}: an HTTP/1 shard holding up to {@code size} connections ({@link Http1Shard}), or an
 * HTTP/2 shard multiplexing one connection on a thread of its own ({@link Http2Shard}). Finch calls each shard a pool
 * and numbers them from 1 ({@code pool_index}); so do we.
 */
public abstract sealed class Shard permits Http1Shard, Http2Shard {
    final Pool pool;
    final int index;

    Shard(Pool pool, int index) {
        this.pool = pool;
        this.index = index;
    }

    /** The pool this shard belongs to. */
    public final Pool pool() {
        return pool;
    }

    /** The shard's number, from 1 to the pool's count. */
    public final int index() {
        return index;
    }

    /** A snapshot of the shard's counters. */
    public abstract PoolMetrics metrics();

    /**
     * Stops taking requests: waiters and later callers fail with {@code reason}, idle connections close, and
     * connections in use close when they come back. Idempotent.
     */
    abstract void stop(FinchException.Reason reason);

    /** Whether nothing is in use any more (after {@link #stop}). */
    abstract boolean isDrained();

    /** Waits until {@link #isDrained()} or the deadline ({@link System#nanoTime()} based); returns whether drained. */
    abstract boolean awaitDrained(long deadlineNanos) throws InterruptedException;

    /** Idle sweep on the scheduler thread: closes what exceeded its limits. Returns the last activity time. */
    abstract long sweep(long now);

    /** After {@link #stop} and the drain: ends what is left (connections, the shard's thread) and waits for it. */
    void terminate() throws InterruptedException {}
}

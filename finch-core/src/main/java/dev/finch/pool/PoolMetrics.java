package dev.finch.pool;

/**
 * A snapshot of one shard's counters. {@link #poolIndex()} runs from 1 to the pool's count, as in Finch. Java 21+
 * callers can {@code switch} over the two kinds.
 */
public sealed interface PoolMetrics permits Http1PoolMetrics, Http2PoolMetrics {
    /** The shard, from 1 to the pool's count. */
    int poolIndex();
}

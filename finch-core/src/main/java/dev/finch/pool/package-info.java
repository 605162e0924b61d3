/**
 * Connection pools: their configuration ({@link dev.finch.pool.PoolConfig}), shard strategies
 * ({@link dev.finch.pool.PoolStrategy}), metrics ({@link dev.finch.pool.PoolMetrics}) and the pool-level error
 * ({@link dev.finch.pool.FinchException}) — the types applications use — and the engine {@link dev.finch.FinchClient}
 * drives: {@link dev.finch.pool.Pool}, {@link dev.finch.pool.Http1Shard} (connections checked out to the calling
 * thread) and {@link dev.finch.pool.Http2Shard} (one multiplexed connection on a thread of its own).
 *
 * <p>Threads: an HTTP/1 shard owns none; an HTTP/2 shard owns one; {@link dev.finch.pool.PoolContext} owns one
 * scheduler thread for idle sweeps. Locks are {@link java.util.concurrent.locks.ReentrantLock}s held for field updates,
 * never across I/O. Imports: {@code dev.finch.http}, {@code dev.finch.conn}, {@code dev.finch.transport},
 * {@code dev.finch.telemetry} (and the {@code ReceiveWindow} option enum), never the client's package.
 */
package dev.finch.pool;

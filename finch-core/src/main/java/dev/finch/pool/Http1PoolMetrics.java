package dev.finch.pool;

/**
 * One HTTP/1 shard's counters, read together under the shard's lock (they are consistent with one another).
 *
 * @param poolIndex the shard, from 1 to count
 * @param poolSize the configured size: the most connections this shard opens
 * @param availableConnections how many more requests could be served now without waiting: {@code poolSize - inUse}
 * @param inUseConnections connections checked out by requests (or being opened for one)
 * @param idleConnections open connections waiting in the shard for the next request
 * @param waitingRequests requests queued for a connection; more than zero for long means size or count is too small
 */
public record Http1PoolMetrics(
        int poolIndex,
        int poolSize,
        int availableConnections,
        int inUseConnections,
        int idleConnections,
        int waitingRequests)
        implements PoolMetrics {}

package dev.finch.pool;

/**
 * One HTTP/2 shard's counters, published by the shard's connection thread.
 *
 * @param poolIndex the shard, from 1 to count
 * @param state {@code disconnected}, {@code connecting}, {@code connected} or {@code read_only}
 * @param inFlightRequests streams open on the connection
 * @param availableStreams how many more streams the server allows now: {@code maxConcurrentStreams - inFlight}
 * @param maxConcurrentStreams the server's SETTINGS_MAX_CONCURRENT_STREAMS (100 until it says otherwise)
 * @param waitingRequests requests waiting for a stream slot (finch#164: they wait instead of failing)
 */
public record Http2PoolMetrics(
        int poolIndex,
        String state,
        int inFlightRequests,
        int availableStreams,
        int maxConcurrentStreams,
        int waitingRequests)
        implements PoolMetrics {}

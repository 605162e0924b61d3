package dev.finch.telemetry;

import dev.finch.http.HttpHeaders;

/**
 * Finch's telemetry events as Java records, plus the ones Finch for Java adds (connection age, reconnects, retries,
 * stale connections). Durations are in nanoseconds, measured with {@link System#nanoTime()}; idle times and ages
 * come from the client's ticker.
 *
 * <h2>Order of events for one request</h2>
 *
 * <pre>
 * RequestStart
 * │  QueueStart                         waiting for a connection (HTTP/1) or a stream slot (HTTP/2)
 * │  │  ConnMaxIdleTimeExceeded*        idle connections past connMaxIdleTime, closed on the way (HTTP/1)
 * │  QueueStop | QueueException
 * │  ReusedConnection                   HTTP/1, when the connection was used before
 * │  ConnectStart ConnectStop           HTTP/1, when a fresh connection is opened for this request
 * │  SendStart SendStop
 * │  StaleConnectionDiscarded           HTTP/1: the server had closed the idle connection; nothing was sent
 * │  RecvStart RecvStop | RecvException
 * │  RequestRetry                       a stale reused connection failed: everything from QueueStart repeats once
 * RequestStop | RequestException
 * </pre>
 *
 * Every start has exactly one stop (or exception), in this nesting. A request that fails before reaching a phase has
 * no events for that phase. HTTP/2 connections report {@code ConnectStart}/{@code ConnectStop}, {@code Reconnect} and
 * {@code ConnectionAgeReached} on their pool's connection thread, outside any request.
 *
 * <p>Java 21+ listeners can {@code switch} over this sealed interface.
 */
public sealed interface FinchEvent {
    /** The pool concerned. */
    PoolInfo pool();

    /** A request starts (Finch's {@code [:finch, :request, :start]}). */
    record RequestStart(PoolInfo pool, RequestInfo request) implements FinchEvent {}

    /**
     * A request ended with a response, whatever its status ({@code [:finch, :request, :stop]}). For a halted
     * {@code streamWhile} the status is the one received, or {@code 0} if the halt came before it.
     */
    record RequestStop(PoolInfo pool, RequestInfo request, long durationNanos, int status) implements FinchEvent {}

    /** A request failed; {@code error} is what the caller gets ({@code [:finch, :request, :exception]}). */
    record RequestException(PoolInfo pool, RequestInfo request, long durationNanos, Throwable error)
            implements FinchEvent {}

    /** Waiting for a connection (HTTP/1) or a stream slot (HTTP/2) begins ({@code [:finch, :queue, :start]}). */
    record QueueStart(PoolInfo pool, int poolIndex, RequestInfo request) implements FinchEvent {}

    /**
     * The request got a connection ({@code [:finch, :queue, :stop]}). {@code idleNanos} is how long a reused HTTP/1
     * connection had been idle (0 for a fresh one); {@code reused} tells which. On HTTP/2 the request got a stream on
     * the shard's shared connection: {@code reused} is true and {@code idleNanos} 0.
     */
    record QueueStop(
            PoolInfo pool, int poolIndex, RequestInfo request, long durationNanos, long idleNanos, boolean reused)
            implements FinchEvent {}

    /** Waiting failed: pool timeout, stopped pool, cancellation ({@code [:finch, :queue, :exception]}). */
    record QueueException(PoolInfo pool, int poolIndex, RequestInfo request, long durationNanos, Throwable error)
            implements FinchEvent {}

    /** A connection is being opened ({@code [:finch, :connect, :start]}). */
    record ConnectStart(PoolInfo pool, int poolIndex) implements FinchEvent {}

    /**
     * Opening ended ({@code [:finch, :connect, :stop]}): {@code protocol} is the ALPN id spoken ({@code http/1.1},
     * {@code h2}) when it succeeded, {@code error} is set when it failed.
     */
    record ConnectStop(PoolInfo pool, int poolIndex, long durationNanos, String protocol, Throwable error)
            implements FinchEvent {}

    /** The request head (and body) is being sent ({@code [:finch, :send, :start]}). */
    record SendStart(PoolInfo pool, RequestInfo request) implements FinchEvent {}

    /** Sending ended; {@code error} is set when it failed ({@code [:finch, :send, :stop]}). */
    record SendStop(PoolInfo pool, RequestInfo request, long durationNanos, Throwable error) implements FinchEvent {}

    /** Waiting for the response begins ({@code [:finch, :recv, :start]}). */
    record RecvStart(PoolInfo pool, RequestInfo request) implements FinchEvent {}

    /**
     * The response was received in full, or the caller halted it ({@code [:finch, :recv, :stop]}); {@code trailers}
     * is {@link HttpHeaders#EMPTY} when there were none.
     */
    record RecvStop(
            PoolInfo pool,
            RequestInfo request,
            long durationNanos,
            int status,
            HttpHeaders headers,
            HttpHeaders trailers)
            implements FinchEvent {}

    /** Receiving failed ({@code [:finch, :recv, :exception]}). */
    record RecvException(PoolInfo pool, RequestInfo request, long durationNanos, Throwable error)
            implements FinchEvent {}

    /** An HTTP/1 request got a connection that served requests before ({@code [:finch, :reused_connection]}). */
    record ReusedConnection(PoolInfo pool, int poolIndex, long idleNanos) implements FinchEvent {}

    /** An idle connection past {@code connMaxIdleTime} was closed ({@code [:finch, :conn_max_idle_time_exceeded]}). */
    record ConnMaxIdleTimeExceeded(PoolInfo pool, int poolIndex, long idleNanos) implements FinchEvent {}

    /**
     * A pool idle for {@code poolMaxIdleTime} with nothing checked out was stopped
     * ({@code [:finch, :pool_max_idle_time_exceeded]}); the next request to it starts a new one.
     */
    record PoolMaxIdleTimeExceeded(PoolInfo pool, long idleNanos) implements FinchEvent {}

    /**
     * A reused HTTP/1 connection turned out to be closed by the server (or to hold bytes nobody asked for) when the
     * request was about to be written; nothing was sent, the connection was discarded, and a {@link RequestRetry}
     * follows (finch#62).
     */
    record StaleConnectionDiscarded(PoolInfo pool, int poolIndex, long idleNanos) implements FinchEvent {}

    /**
     * A request failed on a reused connection that the server had closed, and is sent again once on a fresh
     * connection (safe because the method is idempotent or nothing was sent; finch#62, #272).
     */
    record RequestRetry(PoolInfo pool, RequestInfo request, Throwable cause) implements FinchEvent {}

    /** An HTTP/2 connection reached {@code maxConnectionAge} (plus jitter) and starts draining. */
    record ConnectionAgeReached(PoolInfo pool, int poolIndex, long ageNanos) implements FinchEvent {}

    /**
     * An HTTP/2 pool will try to connect again after {@code delayNanos} (attempt 1 is the first retry after a
     * failure); {@code cause} is why the last connection ended or failed to open.
     */
    record Reconnect(PoolInfo pool, int poolIndex, int attempt, long delayNanos, Throwable cause)
            implements FinchEvent {}
}

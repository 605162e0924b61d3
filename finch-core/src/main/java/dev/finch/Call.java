package dev.finch;

import dev.finch.http.TransportException;
import dev.finch.pool.FinchException;
import dev.finch.telemetry.PoolInfo;
import dev.finch.telemetry.Telemetry;
import java.io.IOException;
import java.time.Duration;

/**
 * One request in progress: what to send, where the response goes, and its deadlines. Lives on the thread that runs
 * the request.
 */
final class Call {
    final Request request;
    final RequestOptions options;
    final Receiver receiver;
    final Telemetry telemetry;
    final PoolInfo pool;
    final long start;
    /** When the whole request must end ({@link System#nanoTime()} based), or {@link Long#MAX_VALUE}. */
    final long deadline;

    /**
     * @throws IllegalArgumentException for a {@link Body#ofProducer} body outside streamWhile (checked before any
     *     connection is taken)
     */
    Call(Request request, RequestOptions options, Receiver receiver, Telemetry telemetry, long start) {
        if (request.body() instanceof Body.Produced && !(receiver instanceof Receiver.FoldWhile)) {
            // Finch allows the request body function with stream_while only: it shares the accumulator.
            throw new IllegalArgumentException("a Body.ofProducer body needs FinchClient.streamWhile");
        }
        this.request = request;
        this.options = options;
        this.receiver = receiver;
        this.telemetry = telemetry;
        this.pool = request.poolKey();
        this.start = start;
        this.deadline = addSaturated(start, options.requestTimeoutNanos);
    }

    /** When to stop waiting for a connection or stream slot, if the pool timeout starts now. */
    long queueDeadline() {
        return addSaturated(System.nanoTime(), options.poolTimeoutNanos);
    }

    /**
     * The timeout for the next read: the receive timeout, shortened to what is left of the request timeout.
     *
     * @throws FinchException REQUEST_TIMEOUT if none is left
     */
    Duration nextReadTimeout() throws FinchException {
        long receive = options.receiveTimeoutNanos;
        if (deadline == Long.MAX_VALUE) {
            return options.receiveTimeout();
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw requestTimeout(null);
        }
        return left >= receive ? options.receiveTimeout() : Duration.ofNanos(left);
    }

    /** Whether the request deadline has passed. */
    boolean pastDeadline() {
        return deadline != Long.MAX_VALUE && deadline - System.nanoTime() <= 0;
    }

    FinchException requestTimeout(Throwable cause) {
        return new FinchException(
                FinchException.Reason.REQUEST_TIMEOUT,
                request.method() + " " + request.uri() + " after "
                        + options.requestTimeout().map(Duration::toString).orElse("?"),
                cause);
    }

    /**
     * What the caller gets for a read that failed: a TIMEOUT caused by the request deadline becomes REQUEST_TIMEOUT;
     * an interrupt becomes CANCELLED (the interrupt status stays set); anything else is itself.
     */
    IOException translate(IOException e) {
        if (e instanceof TransportException t) {
            if (t.reason() == TransportException.Reason.TIMEOUT && pastDeadline()) {
                return requestTimeout(e);
            }
            if (t.reason() == TransportException.Reason.INTERRUPTED) {
                return new FinchException(FinchException.Reason.CANCELLED, request.method() + " " + request.uri(), e);
            }
        }
        return e;
    }

    /** {@code a + b}, or {@link Long#MAX_VALUE} ("never") when {@code b} is or the sum overflows. */
    static long addSaturated(long a, long b) {
        if (b == Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}

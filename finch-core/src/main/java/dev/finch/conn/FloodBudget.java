package dev.finch.conn;

import dev.finch.codec.http2.ErrorCode;
import dev.finch.codec.http2.Http2ConnectionException;

/**
 * A count of one kind of peer-caused event in a fixed time window: at most {@code limit} events, plus any allowance
 * that useful work earned in the same window, before the peer is told to calm down (RFC 9113 §10.5: "an endpoint
 * MAY treat activity that is suspicious as a connection error of type ENHANCE_YOUR_CALM"). The window restarts
 * with the first event after it ends, so a steady trickle never adds up while a burst does. Time is passed in.
 * Not thread-safe.
 */
final class FloodBudget {
    private final String what;
    private final int limit;
    private final long windowNanos;
    private boolean started;
    private long windowStart;
    private long count;
    private long allowance;

    FloodBudget(String what, int limit, long windowNanos) {
        if (limit < 1 || windowNanos < 1) {
            throw new IllegalArgumentException(what + ": limit " + limit + ", window " + windowNanos);
        }
        this.what = what;
        this.limit = limit;
        this.windowNanos = windowNanos;
    }

    /**
     * Counts one event at {@code now} (a {@link System#nanoTime()} value).
     *
     * @throws Http2ConnectionException ENHANCE_YOUR_CALM when the budget of the window is spent
     */
    void spend(long now) throws Http2ConnectionException {
        roll(now);
        if (++count > limit + allowance) {
            throw new Http2ConnectionException(
                    ErrorCode.ENHANCE_YOUR_CALM,
                    "more than " + (limit + allowance) + " " + what + " within " + windowNanos / 1_000_000 + " ms");
        }
    }

    /** Raises this window's budget by {@code events}, earned by useful work at {@code now}. */
    void allow(long now, int events) {
        roll(now);
        allowance += events;
    }

    /** Events counted in the current window. */
    long count() {
        return count;
    }

    private void roll(long now) {
        // A clock that jumps backwards restarts the window too, so that it can never stick.
        if (!started || now - windowStart >= windowNanos || now - windowStart < 0) {
            started = true;
            windowStart = now;
            count = 0;
            allowance = 0;
        }
    }
}

package dev.finch.pool;

/**
 * A source of monotonic time in nanoseconds, for the limits that span minutes: connection and pool idle times, HTTP/2
 * connection age and ping intervals. Tests give the client a ticker they advance by hand, so that idle limits are
 * tested without sleeping. Timeouts of single requests (pool, receive, request timeouts) always use
 * {@link System#nanoTime()}, because threads really wait for them.
 */
@FunctionalInterface
public interface Ticker {
    /** {@link System#nanoTime()}. */
    Ticker SYSTEM = System::nanoTime;

    /** The current time in nanoseconds; only differences between values mean something. */
    long nanos();
}

package dev.finch.telemetry;

import java.util.List;
import java.util.Objects;

/**
 * Receives the client's {@link FinchEvent}s: Finch's telemetry events, delivered synchronously on the thread where
 * they happen (the caller's thread for HTTP/1 requests, a pool's connection thread for HTTP/2 connection events, the
 * shared scheduler thread for idle sweeps).
 *
 * <p>A listener must be thread-safe and quick: it runs on the request path. One that throws never breaks a request;
 * the client swallows and counts the failure (see {@link Telemetry#failures()}).
 *
 * <pre>{@code
 * FinchListener timing = event -> {
 *     if (event instanceof FinchEvent.RequestStop stop) {
 *         histogram.record(stop.durationNanos());
 *     }
 * };
 * }</pre>
 */
@FunctionalInterface
public interface FinchListener {
    /** A listener that ignores every event; the client then creates no event objects at all. */
    FinchListener NONE = event -> {};

    /** Called for each event, in the order the events happen on one request or connection. */
    void onEvent(FinchEvent event);

    /** A listener that calls each of {@code listeners} in turn; one that throws does not keep the others from running. */
    static FinchListener all(FinchListener... listeners) {
        List<FinchListener> list = List.of(listeners);
        list.forEach(l -> Objects.requireNonNull(l, "listener"));
        return event -> {
            RuntimeException first = null;
            for (FinchListener l : list) {
                try {
                    l.onEvent(event);
                } catch (RuntimeException e) {
                    if (first == null) {
                        first = e;
                    }
                }
            }
            if (first != null) {
                throw first;
            }
        };
    }
}

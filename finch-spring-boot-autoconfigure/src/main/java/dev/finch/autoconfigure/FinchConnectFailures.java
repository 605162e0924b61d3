package dev.finch.autoconfigure;

import dev.finch.PoolKey;
import dev.finch.telemetry.FinchEvent;
import dev.finch.telemetry.FinchListener;
import dev.finch.telemetry.PoolInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers, per pool, the outcome of the latest connection attempts, from the client's telemetry: what the health
 * contributor reports for HTTP/1 pools, which have no connection state of their own. Thread-safe.
 */
public final class FinchConnectFailures implements FinchListener {
    /** The latest attempts of one pool: consecutive failures since the last success, and the last failure. */
    public record Outcome(int consecutiveFailures, Instant lastFailure, String lastError, Instant lastSuccess) {}

    private final ConcurrentHashMap<PoolKey, Outcome> outcomes = new ConcurrentHashMap<>();

    @Override
    public void onEvent(FinchEvent event) {
        if (event instanceof FinchEvent.ConnectStop stop) {
            PoolKey key = key(stop.pool());
            Instant now = Instant.now();
            if (stop.error() == null) {
                outcomes.put(key, new Outcome(0, null, null, now));
            } else {
                outcomes.compute(
                        key,
                        (k, old) -> new Outcome(
                                old == null ? 1 : old.consecutiveFailures() + 1,
                                now,
                                String.valueOf(stop.error().getMessage()),
                                old == null ? null : old.lastSuccess()));
            }
        } else if (event instanceof FinchEvent.PoolStopped || event instanceof FinchEvent.PoolMaxIdleTimeExceeded) {
            // The pool is gone: forget it, or an app calling many origins would keep one entry per origin for ever.
            outcomes.remove(key(event.pool()));
        }
    }

    /** The latest outcome of {@code key}'s connection attempts, if it made any. */
    public Optional<Outcome> outcome(PoolKey key) {
        return Optional.ofNullable(outcomes.get(key));
    }

    /** Whether {@code key}'s last attempts failed, the latest within {@code window} before now. */
    public boolean failingRecently(PoolKey key, Duration window) {
        Outcome o = outcomes.get(key);
        return o != null
                && o.consecutiveFailures() > 0
                && o.lastFailure().isAfter(Instant.now().minus(window));
    }

    static PoolKey key(PoolInfo pool) {
        return pool instanceof PoolKey k
                ? k
                : new PoolKey(pool.scheme(), pool.host(), pool.port(), pool.unixSocket(), pool.tag());
    }
}

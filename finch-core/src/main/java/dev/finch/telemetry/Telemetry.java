package dev.finch.telemetry;

import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * Delivers events to a {@link FinchListener} and keeps a throwing listener from breaking a request: whatever a
 * listener throws (short of a {@link VirtualMachineError}) is swallowed and counted. Thread-safe.
 *
 * <p>Emitters check {@link #enabled()} before building an event, so that a client without a listener allocates no
 * event objects on the request path.
 */
public final class Telemetry {
    /** Telemetry that delivers nothing. */
    public static final Telemetry NONE = new Telemetry(FinchListener.NONE);

    private final FinchListener listener;
    private final boolean enabled;
    private final LongAdder failures = new LongAdder();

    private Telemetry(FinchListener listener) {
        this.listener = listener;
        this.enabled = listener != FinchListener.NONE;
    }

    /** Telemetry delivering to {@code listener}. */
    public static Telemetry of(FinchListener listener) {
        Objects.requireNonNull(listener, "listener");
        return listener == FinchListener.NONE ? NONE : new Telemetry(listener);
    }

    /** Whether a listener is installed: emitters skip building events otherwise. */
    public boolean enabled() {
        return enabled;
    }

    /** Delivers {@code event}; never throws. */
    public void emit(FinchEvent event) {
        if (!enabled) {
            return;
        }
        try {
            listener.onEvent(event);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            // A listener bug must not fail the request that happened to trigger it.
            failures.increment();
        }
    }

    /** How many times the listener threw. */
    public long failures() {
        return failures.sum();
    }
}

package dev.finch.client;

import dev.finch.telemetry.FinchEvent;
import dev.finch.telemetry.FinchListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** A listener that records every event, for assertions in order. */
public final class Recorder implements FinchListener {
    private final List<FinchEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void onEvent(FinchEvent event) {
        events.add(event);
    }

    /** Every event so far. */
    public List<FinchEvent> events() {
        return List.copyOf(events);
    }

    /** The simple class names of the events so far, e.g. {@code RequestStart}. */
    public List<String> names() {
        return events.stream().map(e -> e.getClass().getSimpleName()).toList();
    }

    /** The events of one type. */
    public <T extends FinchEvent> List<T> of(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** Forgets what was recorded. */
    public void clear() {
        events.clear();
    }

    /** Waits until an event matches, or fails after {@code timeout}. */
    public <T extends FinchEvent> T await(Class<T> type, Predicate<T> match, Duration timeout) {
        Await.until(() -> of(type).stream().anyMatch(match), timeout, "an event " + type.getSimpleName());
        return of(type).stream().filter(match).findFirst().orElseThrow();
    }
}

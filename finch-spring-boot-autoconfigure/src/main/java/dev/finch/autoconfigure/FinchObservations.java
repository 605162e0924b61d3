package dev.finch.autoconfigure;

import dev.finch.telemetry.FinchEvent;
import dev.finch.telemetry.FinchListener;
import dev.finch.telemetry.RequestInfo;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.ArrayDeque;

/**
 * Observes calls made on the FinchClient directly as {@code http.client.requests} (or the name set by
 * {@code management.observations.http.client.requests.name}), from the client's request start and stop events.
 * Low-cardinality key values: {@code method}, {@code uri} (always {@code none}: Finch knows no URI template, and raw
 * paths would be unbounded), {@code status}, {@code outcome}, {@code exception}, {@code client.name} (the host).
 *
 * <p>Requests sent by the RestClient request factory carry {@link FinchClientHttpRequestFactory#OBSERVED_BY_SPRING}
 * and are skipped: Spring's RestClient observes them already.
 *
 * <p>A request's start and stop events come on the same thread, in nested order, so each thread keeps a stack of the
 * observations it opened.
 */
public final class FinchObservations implements FinchListener {
    private final ObservationRegistry registry;
    private final String name;
    private final ThreadLocal<ArrayDeque<Observation>> open = ThreadLocal.withInitial(ArrayDeque::new);

    public FinchObservations(ObservationRegistry registry, String name) {
        this.registry = registry;
        this.name = name;
    }

    @Override
    public void onEvent(FinchEvent event) {
        if (event instanceof FinchEvent.RequestStart start) {
            open.get().push(start(start.request()));
        } else if (event instanceof FinchEvent.RequestStop stop) {
            Observation o = open.get().poll();
            if (o != null && o != Observation.NOOP) {
                o.lowCardinalityKeyValue("status", Integer.toString(stop.status()))
                        .lowCardinalityKeyValue("outcome", outcome(stop.status()))
                        .lowCardinalityKeyValue("exception", "none")
                        .stop();
            }
        } else if (event instanceof FinchEvent.RequestException failed) {
            Observation o = open.get().poll();
            if (o != null && o != Observation.NOOP) {
                o.lowCardinalityKeyValue("status", "CLIENT_ERROR")
                        .lowCardinalityKeyValue("outcome", "UNKNOWN")
                        .lowCardinalityKeyValue(
                                "exception", failed.error().getClass().getSimpleName())
                        .error(failed.error())
                        .stop();
            }
        }
    }

    private Observation start(RequestInfo request) {
        if (Boolean.TRUE.equals(request.privateData().get(FinchClientHttpRequestFactory.OBSERVED_BY_SPRING))) {
            return Observation.NOOP;
        }
        String host = request.uri().getHost();
        return Observation.createNotStarted(name, registry)
                .contextualName("http " + request.method().toLowerCase(java.util.Locale.ROOT))
                .lowCardinalityKeyValue("method", request.method())
                .lowCardinalityKeyValue("uri", "none")
                .lowCardinalityKeyValue("client.name", host == null ? "none" : host)
                .highCardinalityKeyValue("http.url", request.uri().toString())
                .start();
    }

    static String outcome(int status) {
        if (status >= 100 && status < 200) {
            return "INFORMATIONAL";
        } else if (status < 300) {
            return "SUCCESS";
        } else if (status < 400) {
            return "REDIRECTION";
        } else if (status < 500) {
            return "CLIENT_ERROR";
        } else if (status < 600) {
            return "SERVER_ERROR";
        }
        return "UNKNOWN";
    }
}

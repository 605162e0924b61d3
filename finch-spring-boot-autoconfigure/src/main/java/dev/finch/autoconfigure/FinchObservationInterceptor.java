package dev.finch.autoconfigure;

import dev.finch.Request;
import dev.finch.RequestInterceptor;
import dev.finch.http.HttpHeaders;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

/**
 * Observes requests sent on the FinchClient directly ({@code request}, {@code stream}, {@code streamWhile}, async):
 * each becomes an observation with a {@link FinchObservationContext}, started on the calling thread (so the current
 * observation is its parent, async requests included) before the request is sent, so that tracing handlers put their
 * propagation headers on it, and stopped with the status or the error when the request ends.
 *
 * <p>Requests sent by {@link FinchClientHttpRequestFactory} carry
 * {@link FinchClientHttpRequestFactory#OBSERVED_BY_SPRING} and are left alone: Spring's RestClient and RestTemplate
 * observe them already, and propagate the trace context into their headers themselves.
 */
public final class FinchObservationInterceptor implements RequestInterceptor {
    private final ObservationRegistry registry;
    private final FinchObservationConvention customConvention;
    private final FinchObservationConvention defaultConvention;

    /**
     * @param customConvention the convention to use instead of the registry's and the default one, or null
     * @param defaultConvention the convention used when neither the registry nor {@code customConvention} gives one
     */
    public FinchObservationInterceptor(
            ObservationRegistry registry,
            FinchObservationConvention customConvention,
            FinchObservationConvention defaultConvention) {
        this.registry = registry;
        this.customConvention = customConvention;
        this.defaultConvention = defaultConvention;
    }

    @Override
    public Completion intercept(Request request, HttpHeaders.Builder headers) {
        if (registry.isNoop()
                || Boolean.TRUE.equals(request.privateData().get(FinchClientHttpRequestFactory.OBSERVED_BY_SPRING))) {
            return Completion.NONE;
        }
        FinchObservationContext context = new FinchObservationContext(request, headers);
        Observation observation = Observation.createNotStarted(
                        customConvention, defaultConvention, () -> context, registry)
                .start();
        return (status, error) -> {
            if (status > 0) {
                context.setResponse(status);
            }
            if (error != null) {
                observation.error(error);
            }
            observation.stop();
        };
    }
}

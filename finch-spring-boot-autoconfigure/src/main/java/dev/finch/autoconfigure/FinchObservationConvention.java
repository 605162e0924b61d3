package dev.finch.autoconfigure;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * An {@link ObservationConvention} for requests sent on the FinchClient directly. Define a bean of this type to replace
 * {@link DefaultFinchObservationConvention}, or register one globally on the {@code ObservationRegistry}. RestClient
 * and RestTemplate calls are observed by Spring with its {@code ClientRequestObservationConvention} instead.
 */
public interface FinchObservationConvention extends ObservationConvention<FinchObservationContext> {
    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof FinchObservationContext;
    }
}

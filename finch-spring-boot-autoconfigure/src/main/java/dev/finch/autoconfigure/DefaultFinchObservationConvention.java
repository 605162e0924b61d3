package dev.finch.autoconfigure;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The key values of Spring's own {@code http.client.requests} observations, for requests sent on the FinchClient
 * directly. Low cardinality: {@code method}; {@code uri}, the request's {@link FinchObservationContext#URI_TEMPLATE
 * template} or {@code none} (raw paths would be unbounded); {@code status}, the status code or {@code CLIENT_ERROR} when
 * none arrived; {@code outcome} ({@code SUCCESS}, {@code CLIENT_ERROR}, ... or {@code UNKNOWN}); {@code client.name},
 * the host; {@code exception}, the error's simple class name or {@code none}. High cardinality: {@code http.url}.
 */
public class DefaultFinchObservationConvention implements FinchObservationConvention {
    /** The observation name Spring uses for HTTP clients. */
    public static final String DEFAULT_NAME = "http.client.requests";

    private static final Pattern ORIGIN = Pattern.compile("^https?://[^/]+");
    private static final String NONE = "none";

    private final String name;

    /** A convention naming observations {@value #DEFAULT_NAME}. */
    public DefaultFinchObservationConvention() {
        this(DEFAULT_NAME);
    }

    /** A convention naming observations {@code name} (Boot's {@code management.observations.http.client.requests.name}). */
    public DefaultFinchObservationConvention(String name) {
        this.name = name;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public String getContextualName(FinchObservationContext context) {
        return "http " + context.getRequest().method().toLowerCase(Locale.ROOT);
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(FinchObservationContext context) {
        return KeyValues.of(
                method(context),
                uri(context),
                status(context),
                outcome(context),
                clientName(context),
                exception(context));
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(FinchObservationContext context) {
        return KeyValues.of(KeyValue.of("http.url", context.getRequest().uri().toASCIIString()));
    }

    /** {@code method}: the request method as sent. */
    protected KeyValue method(FinchObservationContext context) {
        return KeyValue.of("method", context.getRequest().method());
    }

    /** {@code uri}: the URI template's path, or {@code none} when the request has no template. */
    protected KeyValue uri(FinchObservationContext context) {
        String template = context.getUriTemplate();
        if (template == null) {
            return KeyValue.of("uri", NONE);
        }
        String path = ORIGIN.matcher(template).replaceFirst("");
        return KeyValue.of("uri", path.startsWith("/") ? path : "/" + path);
    }

    /** {@code status}: the final status code, or {@code CLIENT_ERROR} when no response arrived. */
    protected KeyValue status(FinchObservationContext context) {
        Integer status = context.getResponse();
        return KeyValue.of("status", status == null ? "CLIENT_ERROR" : Integer.toString(status));
    }

    /** {@code outcome}: the status class ({@code SUCCESS}, {@code CLIENT_ERROR}, ...), or {@code UNKNOWN}. */
    protected KeyValue outcome(FinchObservationContext context) {
        Integer status = context.getResponse();
        return KeyValue.of("outcome", status == null ? "UNKNOWN" : outcome(status));
    }

    /** {@code client.name}: the request's host. */
    protected KeyValue clientName(FinchObservationContext context) {
        String host = context.getRequest().uri().getHost();
        return KeyValue.of("client.name", host == null ? NONE : host);
    }

    /** {@code exception}: the error's simple class name, or {@code none}. */
    protected KeyValue exception(FinchObservationContext context) {
        Throwable error = context.getError();
        if (error == null) {
            return KeyValue.of("exception", NONE);
        }
        String simple = error.getClass().getSimpleName();
        return KeyValue.of("exception", simple.isEmpty() ? error.getClass().getName() : simple);
    }

    static String outcome(int status) {
        if (status >= 100 && status < 200) {
            return "INFORMATIONAL";
        } else if (status >= 200 && status < 300) {
            return "SUCCESS";
        } else if (status >= 300 && status < 400) {
            return "REDIRECTION";
        } else if (status >= 400 && status < 500) {
            return "CLIENT_ERROR";
        } else if (status >= 500 && status < 600) {
            return "SERVER_ERROR";
        }
        return "UNKNOWN";
    }
}

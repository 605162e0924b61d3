package dev.finch.autoconfigure;

import dev.finch.Request;
import dev.finch.http.HttpHeaders;
import io.micrometer.observation.transport.RequestReplySenderContext;
import java.net.URI;

/**
 * The observation context of a request sent on the FinchClient directly: the {@link Request}, and as carrier the header
 * fields it will be sent with, so that a tracing handler's propagator ({@code traceparent}, {@code b3}) puts its
 * headers on the outgoing request. The response is the final status code, set when one arrived.
 *
 * <p>Requests have no URI template of their own: to get a bounded {@code uri} key value other than {@code none}, put
 * one in the request's private data under {@link #URI_TEMPLATE}.
 */
public class FinchObservationContext extends RequestReplySenderContext<HttpHeaders.Builder, Integer> {
    /** The private-data key of a request's URI template, such as {@code /users/{id}}. */
    public static final String URI_TEMPLATE = "finch.uri-template";

    private final Request request;

    /**
     * @param request the request as the caller built it
     * @param headers the header fields that will be sent; propagation headers are set on it, replacing any of the same
     *     name
     */
    public FinchObservationContext(Request request, HttpHeaders.Builder headers) {
        super((carrier, key, value) -> {
            if (carrier != null) {
                carrier.set(key, value);
            }
        });
        this.request = request;
        setCarrier(headers);
        URI uri = request.uri();
        setRemoteServiceAddress(uri.getScheme() + "://" + uri.getRawAuthority());
    }

    /** The request as the caller built it (without the propagation headers). */
    public Request getRequest() {
        return request;
    }

    /** The URI template from the request's private data ({@link #URI_TEMPLATE}), or null. */
    public String getUriTemplate() {
        return request.privateData().get(URI_TEMPLATE) instanceof String template ? template : null;
    }
}

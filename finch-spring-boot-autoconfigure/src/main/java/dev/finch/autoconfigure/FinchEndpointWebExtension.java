package dev.finch.autoconfigure;

import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;

/**
 * The {@code finch} endpoint over HTTP: a write to a pool name that is unknown answers 404 (a write operation's
 * {@code null} would be 204 No Content, as if the change had been made). Reads are the endpoint's own.
 */
@EndpointWebExtension(endpoint = FinchEndpoint.class)
public class FinchEndpointWebExtension {
    private final FinchEndpoint endpoint;

    FinchEndpointWebExtension(FinchEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    /** {@link FinchEndpoint#count}, with 404 when there is no pool of that name. */
    @WriteOperation
    public WebEndpointResponse<FinchEndpoint.PoolDescriptor> count(@Selector String name, int count) {
        FinchEndpoint.PoolDescriptor pool = endpoint.count(name, count);
        return pool == null
                ? new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND)
                : new WebEndpointResponse<>(pool, WebEndpointResponse.STATUS_OK);
    }
}

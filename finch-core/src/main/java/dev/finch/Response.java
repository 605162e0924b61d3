package dev.finch;

import dev.finch.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A complete response (Finch's {@code Finch.Response}). Interim 1xx responses are not included.
 *
 * @param status the final status code
 * @param headers the response header fields, names lowercase
 * @param body the body bytes (the array is the response's own; records compare arrays by identity)
 * @param trailers trailer fields, {@link HttpHeaders#EMPTY} when none
 */
public record Response(int status, HttpHeaders headers, byte[] body, HttpHeaders trailers) {
    public Response {
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(trailers, "trailers");
    }

    /** The first value of a header (case-insensitive), or {@code null}. */
    public String header(String name) {
        return headers.first(name);
    }

    /** The body decoded as UTF-8. */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "Response[" + status + ", " + headers.size() + " headers, " + body.length + " bytes"
                + (trailers.isEmpty() ? "" : ", trailers " + trailers) + "]";
    }
}

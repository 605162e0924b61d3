package dev.finch.telemetry;

import dev.finch.http.HttpHeaders;
import java.net.URI;
import java.util.Map;

/**
 * What listeners and pool strategies may read of a request. {@code dev.finch.Request} implements it; listeners may
 * cast to that class when they need more. Implementations are immutable and safe to read from any thread.
 */
public interface RequestInfo {
    /** The method as given, e.g. {@code GET}. */
    String method();

    /** The URL as given (with its raw path and query). */
    URI uri();

    /** The request header fields as given (defaults such as host and user-agent are added later, on the wire). */
    HttpHeaders headers();

    /** The pool tag the request asked for ({@code "default"} when none). */
    String poolTag();

    /** The application's private data (Finch's request private map); unmodifiable, empty when none was set. */
    Map<String, Object> privateData();
}

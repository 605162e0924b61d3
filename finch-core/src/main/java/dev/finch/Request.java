package dev.finch;

import dev.finch.http.HttpHeaders;
import dev.finch.telemetry.RequestInfo;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * An HTTP request to send with a {@link FinchClient} (Finch's {@code Finch.build/5}): method, URL, headers, body, and
 * the options that choose its pool (a Unix socket, a pool tag) plus private data for your listeners. Immutable and
 * safe to share, except that a streamed {@link Body} can be sent only once.
 *
 * <pre>{@code
 * Request get = Request.get("https://api.example.com/users?page=2");
 * Request post = Request.builder("POST", "https://api.example.com/users")
 *         .header("content-type", "application/json")
 *         .body(Body.of("{\"name\":\"ada\"}"))
 *         .poolTag("writes")
 *         .putPrivate("route", "/users")
 *         .build();
 * }</pre>
 *
 * The URL is parsed once, here, with {@link URI}: the path and query are sent exactly as written (no decoding and
 * re-encoding), the fragment is dropped, and a missing path is sent as {@code /}. Its scheme and authority choose the
 * pool together with the tag; with {@link Builder#unixSocket(Path)} the socket replaces host and port for connecting,
 * and the URL's host still goes in the {@code host} header.
 */
public final class Request implements RequestInfo {
    private final String method;
    private final URI uri;
    private final String target;
    private final HttpHeaders headers;
    private final HttpHeaders wireHeaders;
    private final Body body;
    private final Path unixSocket;
    private final String poolTag;
    private final Map<String, Object> privateData;
    private final PoolKey poolKey;

    private Request(Builder b) {
        this.method = b.method;
        this.uri = b.uri;
        this.headers = b.headers.build();
        this.body = b.body;
        this.unixSocket = b.unixSocket;
        this.poolTag = b.poolTag;
        this.privateData =
                b.privateData == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(b.privateData));
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        String path = uri.getRawPath();
        String query = uri.getRawQuery();
        String t = path == null || path.isEmpty() ? "/" : path;
        this.target = query == null ? t : t + "?" + query;
        int port = PoolKey.portOf(scheme, uri.getPort());
        if (unixSocket != null) {
            this.poolKey = new PoolKey(scheme, null, 0, unixSocket, poolTag);
            // The connection's own host name is the pool's; this request's host goes in its own header.
            this.wireHeaders = headers.contains("host")
                    ? headers
                    : headers.toBuilder()
                            .add("host", authority(uri.getHost(), port, scheme))
                            .build();
        } else {
            this.poolKey = new PoolKey(scheme, uri.getHost(), port, null, poolTag);
            this.wireHeaders = headers;
        }
    }

    /** A GET request. */
    public static Request get(String url) {
        return builder("GET", url).build();
    }

    /** A HEAD request. */
    public static Request head(String url) {
        return builder("HEAD", url).build();
    }

    /** A DELETE request. */
    public static Request delete(String url) {
        return builder("DELETE", url).build();
    }

    /** A POST request with a body. */
    public static Request post(String url, Body body) {
        return builder("POST", url).body(body).build();
    }

    /** A PUT request with a body. */
    public static Request put(String url, Body body) {
        return builder("PUT", url).body(body).build();
    }

    /**
     * A builder for {@code method} and {@code url}.
     *
     * @param method sent as given, e.g. {@code GET}; the connection refuses one that is not an HTTP token
     * @param url an absolute {@code http} or {@code https} URL
     * @throws IllegalArgumentException if the URL does not parse, is not http(s), or has no host
     */
    public static Builder builder(String method, String url) {
        Objects.requireNonNull(url, "url");
        try {
            return builder(method, new URI(url));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + url, e);
        }
    }

    /** A builder for {@code method} and {@code uri}; see {@link #builder(String, String)}. */
    public static Builder builder(String method, URI uri) {
        return new Builder(method, uri);
    }

    /** A builder holding this request's values. */
    public Builder toBuilder() {
        Builder b = new Builder(method, uri);
        b.headers = headers.toBuilder();
        b.body = body;
        b.unixSocket = unixSocket;
        b.poolTag = poolTag;
        b.privateData = privateData.isEmpty() ? null : new LinkedHashMap<>(privateData);
        return b;
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public URI uri() {
        return uri;
    }

    /** The request target sent on the wire: the raw path (or {@code /}) and query. */
    public String target() {
        return target;
    }

    @Override
    public HttpHeaders headers() {
        return headers;
    }

    /** The headers to send: {@link #headers()}, plus {@code host} for a Unix socket request without one. */
    HttpHeaders wireHeaders() {
        return wireHeaders;
    }

    /** The body. */
    public Body body() {
        return body;
    }

    /** The Unix socket to connect to instead of the URL's host and port, or {@code null}. */
    public Path unixSocket() {
        return unixSocket;
    }

    @Override
    public String poolTag() {
        return poolTag;
    }

    @Override
    public Map<String, Object> privateData() {
        return privateData;
    }

    /** The pool this request goes to (before the client falls back to the default configuration). */
    public PoolKey poolKey() {
        return poolKey;
    }

    /**
     * Whether the method is idempotent (RFC 9110 §9.2.2: GET, HEAD, OPTIONS, TRACE, PUT, DELETE), so that a request
     * cut off by a stale connection may be sent again.
     */
    public boolean isIdempotent() {
        switch (method) {
            case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE":
                return true;
            default:
                return false;
        }
    }

    @Override
    public String toString() {
        return method + " " + uri + (unixSocket != null ? " via " + unixSocket : "")
                + (PoolKey.DEFAULT_TAG.equals(poolTag) ? "" : " [" + poolTag + "]");
    }

    private static String authority(String host, int port, String scheme) {
        String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
        return port == PoolKey.portOf(scheme, -1) ? h : h + ":" + port;
    }

    /** Builds a {@link Request}. Not thread-safe. */
    public static final class Builder {
        private final String method;
        private final URI uri;
        private HttpHeaders.Builder headers = HttpHeaders.builder();
        private Body body = Body.none();
        private Path unixSocket;
        private String poolTag = PoolKey.DEFAULT_TAG;
        private Map<String, Object> privateData;

        private Builder(String method, URI uri) {
            if (method == null || method.isBlank()) {
                throw new IllegalArgumentException("method must not be blank");
            }
            Objects.requireNonNull(uri, "uri");
            String scheme = uri.getScheme();
            if (scheme == null || !("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))) {
                throw new IllegalArgumentException("the URL must be absolute, http or https: " + uri);
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("no host in " + uri);
            }
            this.method = method;
            this.uri = uri;
        }

        /** Adds a header field (keeping others of that name). */
        public Builder header(String name, String value) {
            headers.add(name, value);
            return this;
        }

        /** Replaces every header field with {@code headers}. */
        public Builder headers(HttpHeaders headers) {
            this.headers = headers.toBuilder();
            return this;
        }

        /** The body; default none. */
        public Builder body(Body body) {
            this.body = Objects.requireNonNull(body, "body");
            return this;
        }

        /** Connect to this Unix domain socket instead of the URL's host and port (Finch's {@code :unix_socket}). */
        public Builder unixSocket(Path socket) {
            this.unixSocket = socket;
            return this;
        }

        /** The pool tag (Finch's {@code :pool_tag}); default {@code "default"}. */
        public Builder poolTag(String tag) {
            if (tag == null || tag.isBlank()) {
                throw new IllegalArgumentException("poolTag must not be blank");
            }
            this.poolTag = tag;
            return this;
        }

        /** Stores a private value for listeners and strategies (Finch's {@code put_private}). */
        public Builder putPrivate(String key, Object value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            if (privateData == null) {
                privateData = new LinkedHashMap<>(4);
            }
            privateData.put(key, value);
            return this;
        }

        /** The request; the URL was checked when the builder was made. */
        public Request build() {
            return new Request(this);
        }
    }
}

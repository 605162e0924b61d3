package dev.finch;

import dev.finch.telemetry.PoolInfo;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * Identifies a pool: scheme, host and port, or a Unix domain socket, plus a tag (Finch's {@code Finch.Pool}).
 * Requests to the same key share connections; different tags for the same origin get separate pools, each with its
 * own configuration.
 *
 * <pre>{@code
 * PoolKey.of("https://api.example.com")                 // port 443, tag "default"
 * PoolKey.of("https://api.example.com", "bulk")         // the same origin, a separate pool
 * PoolKey.of("http+unix:///run/app.sock")               // a Unix socket, plain HTTP
 * PoolKey.of("https+unix:///run/app.sock").withTag("x") // a Unix socket with TLS, tagged
 * }</pre>
 *
 * Host names are compared ignoring case (they are kept lowercase); IPv6 literals are kept without brackets.
 *
 * @param scheme {@code "http"} or {@code "https"}
 * @param host the host, or {@code null} for a Unix socket
 * @param port the port, or {@code 0} for a Unix socket
 * @param unixSocket the socket path, or {@code null} for TCP
 * @param tag the tag; {@link #DEFAULT_TAG} when none
 */
public record PoolKey(String scheme, String host, int port, Path unixSocket, String tag) implements PoolInfo {
    /** The tag of untagged pools (Finch's {@code :default}). */
    public static final String DEFAULT_TAG = "default";

    /**
     * Checks and normalizes the parts.
     *
     * @throws IllegalArgumentException for another scheme, a blank host, a port out of range, or a blank tag
     */
    public PoolKey {
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException("scheme must be http or https, got " + scheme);
        }
        if (unixSocket != null) {
            if (host != null || port != 0) {
                throw new IllegalArgumentException("a Unix socket pool has no host or port");
            }
        } else {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("host must not be blank");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be in 1..65535, got " + port);
            }
            host = normalizeHost(host);
        }
        if (tag == null) {
            tag = DEFAULT_TAG;
        } else if (tag.isBlank()) {
            throw new IllegalArgumentException("tag must not be blank");
        }
    }

    /**
     * Parses {@code scheme://host[:port]} (path, query and fragment are ignored, as Finch does) or
     * {@code http+unix:///path} / {@code https+unix:///path}.
     *
     * @throws IllegalArgumentException if {@code url} is none of those
     */
    public static PoolKey of(String url) {
        return of(url, DEFAULT_TAG);
    }

    /** Parses {@code url} as {@link #of(String)} does, with a tag. */
    public static PoolKey of(String url, String tag) {
        Objects.requireNonNull(url, "url");
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + url, e);
        }
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        if ("http+unix".equals(scheme) || "https+unix".equals(scheme)) {
            String path = uri.getPath();
            if (path == null || path.isEmpty() || uri.getRawAuthority() != null) {
                throw new IllegalArgumentException(
                        "a Unix socket URL has an absolute path and no host: " + scheme + ":///path, got " + url);
            }
            return new PoolKey(scheme.substring(0, scheme.indexOf('+')), null, 0, Path.of(path), tag);
        }
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException(
                    "a pool URL starts with http://, https://, http+unix:// or https+unix://, got " + url);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("no host in " + url);
        }
        return new PoolKey(scheme, uri.getHost(), portOf(scheme, uri.getPort()), null, tag);
    }

    /** A key for a TCP origin. */
    public static PoolKey of(String scheme, String host, int port) {
        return new PoolKey(scheme, host, port, null, DEFAULT_TAG);
    }

    /** A key for a Unix domain socket, with {@code scheme} http or https. */
    public static PoolKey unix(String scheme, Path socket) {
        return new PoolKey(scheme, null, 0, Objects.requireNonNull(socket, "socket"), DEFAULT_TAG);
    }

    /** This key with another tag. */
    public PoolKey withTag(String tag) {
        return new PoolKey(scheme, host, port, unixSocket, Objects.requireNonNull(tag, "tag"));
    }

    /** Whether this is a Unix socket pool. */
    public boolean isUnixSocket() {
        return unixSocket != null;
    }

    /** Whether the tag is the default one. */
    public boolean isDefaultTag() {
        return DEFAULT_TAG.equals(tag);
    }

    /** {@code https://host:443} or {@code http+unix:///path}, without the tag: the key's origin as a URL. */
    public String url() {
        if (unixSocket != null) {
            return scheme + "+unix://" + unixSocket;
        }
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return scheme + "://" + h + ":" + port;
    }

    /** The URL, plus {@code #tag} when the tag is not the default. */
    @Override
    public String toString() {
        return isDefaultTag() ? url() : url() + "#" + tag;
    }

    static int portOf(String scheme, int port) {
        return port != -1 ? port : "https".equals(scheme) ? 443 : 80;
    }

    static String normalizeHost(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return h.toLowerCase(Locale.ROOT);
    }
}

package dev.finch.conn;

import dev.finch.http.HttpHeaders;
import dev.finch.transport.TlsOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;

/**
 * An HTTP proxy that connections go through (REFERENCE: "TLS and proxies"). Immutable; build with {@link
 * #http(String, int)}, {@link #https(String, int)} or {@link #parse(String)}, and choose which targets use it with
 * {@link ProxyConfig}.
 *
 * <ul>
 *   <li>An <b>https target</b> is reached through a {@code CONNECT host:port} tunnel (RFC 9110 §9.3.6): the proxy
 *       headers go on the CONNECT request, and TLS to the target (with ALPN, so HTTP/1.1 or h2) runs inside the
 *       tunnel. The proxy's answer must come within {@link #tunnelTimeout()}; a non-2xx answer is a {@link
 *       dev.finch.http.ProxyTunnelException}.
 *   <li>An <b>http target</b> is reached through the proxy as a forward proxy: each request goes to the proxy with the
 *       absolute-form target {@code http://host[:port]/path} (RFC 9112 §3.2.2) and the proxy headers. Only HTTP/1.1
 *       can do this: a connection allowed HTTP/2 alone (h2c with prior knowledge) is refused.
 * </ul>
 *
 * <p>An {@linkplain #https(String, int) https proxy} is itself reached over TLS, verified against the proxy's host
 * name with {@link #tls()}; for an https target this means TLS inside TLS.
 */
public final class Proxy {
    /** Mint's tunnel timeout: 30 s for the proxy to answer CONNECT. */
    static final Duration DEFAULT_TUNNEL_TIMEOUT = Duration.ofSeconds(30);

    private final Scheme scheme;
    private final String host;
    private final int port;
    private final HttpHeaders headers;
    private final Duration tunnelTimeout;
    private final TlsOptions tls;
    /** {@link #tls} logging to a pool's key log file, derived on first use ({@link #tlsFor}); {@code null} before. */
    private volatile KeyLoggingTls keyLoggingTls;

    private Proxy(Builder b) {
        this.scheme = b.scheme;
        this.host = b.host;
        this.port = b.port;
        this.headers = b.headers.build();
        this.tunnelTimeout = b.tunnelTimeout;
        this.tls = b.tls;
    }

    /**
     * A builder for a plain HTTP proxy at {@code host:port} (the usual kind: the connection to the proxy is not
     * encrypted, a tunnel's content is).
     *
     * @throws IllegalArgumentException if the host is blank or holds characters a host cannot, or the port is not
     *     in 1..65535
     */
    public static Builder http(String host, int port) {
        return new Builder(Scheme.HTTP, host, port);
    }

    /** A builder for a proxy reached over TLS at {@code host:port}; see {@link #http(String, int)}. */
    public static Builder https(String host, int port) {
        return new Builder(Scheme.HTTPS, host, port);
    }

    /**
     * A builder for the proxy a URL names: {@code http://host:port} or {@code https://host:port}; the port defaults
     * to the scheme's (80, 443). User information ({@code http://user:password@host:port}, percent-encoded) becomes
     * {@link Builder#basicAuth}. A path, query or fragment other than {@code /} is refused, since a proxy has none.
     *
     * @throws IllegalArgumentException naming what is wrong with the URL
     */
    public static Builder parse(String url) {
        Objects.requireNonNull(url, "url");
        String shown = redact(url); // messages never show a password
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(
                    "proxy URL is not a valid URI (" + e.getReason() + " at index " + e.getIndex() + "): " + shown);
        }
        if (uri.getScheme() == null || uri.getRawAuthority() == null) {
            throw new IllegalArgumentException(
                    "proxy URL must look like http://host:port or https://host:port, got " + shown);
        }
        Scheme scheme;
        try {
            scheme = Scheme.of(uri.getScheme());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("proxy URL scheme must be http or https, got " + uri.getScheme(), e);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("proxy URL has no valid host: " + shown);
        }
        String path = uri.getRawPath();
        if ((path != null && !path.isEmpty() && !path.equals("/"))
                || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("proxy URL must not have a path, query or fragment: " + shown);
        }
        int port = uri.getPort() == -1 ? scheme.defaultPort() : uri.getPort();
        Builder b = new Builder(scheme, uri.getHost(), port);
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            String user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            String password = colon < 0 ? "" : decode(userInfo.substring(colon + 1));
            b.basicAuth(user, password);
        }
        return b;
    }

    /**
     * A proxy URL fit for a message or a log: everything before its last {@code @} (user information, a password)
     * becomes {@code ******}, whatever the shape of the URL, so that one written without its scheme ({@code
     * user:password@host:port}) or with a mistyped one ({@code http:/user:password@host}) shows no credential either. A
     * well-formed scheme ({@code http://}) before the {@code @} is kept. {@link #parse(String)}'s messages use it.
     */
    public static String redact(String url) {
        Objects.requireNonNull(url, "url");
        int at = url.lastIndexOf('@');
        if (at < 0) {
            return url;
        }
        int scheme = url.indexOf("://");
        String kept =
                scheme > 0 && scheme < at && isSchemeName(url.substring(0, scheme)) ? url.substring(0, scheme + 3) : "";
        return kept + "******" + url.substring(at);
    }

    /** RFC 3986 §3.1: {@code ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )}. */
    private static boolean isSchemeName(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            if (!alpha && (i == 0 || !((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))) {
                return false;
            }
        }
        return !s.isEmpty();
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** HTTP or HTTPS: how the proxy itself is reached. */
    public Scheme scheme() {
        return scheme;
    }

    /** The proxy's host name or IP literal (IPv6 without brackets). */
    public String host() {
        return host;
    }

    /** The proxy's port. */
    public int port() {
        return port;
    }

    /**
     * Header fields for the proxy, names as given: sent on each CONNECT (https targets) and on each request forwarded
     * to an http target, where a field of the same name in the request takes precedence. For example {@code
     * Proxy-Authorization}. Names go on the wire lowercase unless {@link ConnectOptions#preserveHeaderCase()}.
     */
    public HttpHeaders headers() {
        return headers;
    }

    /** How long the proxy may take to answer CONNECT, from when it is sent. Default 30 s (Mint's). */
    public Duration tunnelTimeout() {
        return tunnelTimeout;
    }

    /** TLS to an https proxy (verification on by default, against {@link #host()}); unused for an http proxy. */
    public TlsOptions tls() {
        return tls;
    }

    /**
     * The TLS options of the hop to this https proxy for a connection whose target TLS is {@code targetTls}: when
     * the target's options log TLS secrets and {@link #tls()} does not, {@link #tls()} logging to the same file (so
     * that a capture decrypts, the proxy hop wrapping the target's TLS on the wire); {@link #tls()} otherwise, and
     * also when it cannot log (a caller's SSLContext: warned about once). Derived once per file and kept.
     */
    TlsOptions tlsFor(TlsOptions targetTls) {
        Path file = targetTls.keyLogFile();
        if (file == null || tls.keyLogFile() != null) {
            return tls;
        }
        KeyLoggingTls derived = keyLoggingTls;
        if (derived == null || !derived.file().equals(file)) {
            TlsOptions logging;
            try {
                logging = tls.toBuilder().keyLogFile(file).build();
            } catch (IllegalArgumentException | IllegalStateException e) {
                System.getLogger(Proxy.class.getName())
                        .log(
                                System.Logger.Level.WARNING,
                                "the TLS secrets of the hop to the https proxy " + this + " are not logged to " + file
                                        + " (a capture cannot be decrypted): " + e.getMessage());
                logging = tls;
            }
            derived = new KeyLoggingTls(file, logging);
            keyLoggingTls = derived;
        }
        return derived.tls();
    }

    /** {@link #tls()} for a key log file. */
    private record KeyLoggingTls(Path file, TlsOptions tls) {}

    /** {@code scheme://host:port}, without headers (they may hold credentials). */
    @Override
    public String toString() {
        return scheme.id() + "://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** Builds a {@link Proxy}; validates each value as it is set. */
    public static final class Builder {
        private final Scheme scheme;
        private final String host;
        private final int port;
        private final HttpHeaders.Builder headers = HttpHeaders.builder();
        private Duration tunnelTimeout = DEFAULT_TUNNEL_TIMEOUT;
        private TlsOptions tls = TlsOptions.defaults();

        private Builder(Scheme scheme, String host, int port) {
            this.scheme = scheme;
            this.host = checkHost(host);
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("proxy port must be in 1..65535, got " + port);
            }
            this.port = port;
        }

        private static String checkHost(String host) {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("proxy host must not be blank");
            }
            String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            for (int i = 0; i < h.length(); i++) {
                char c = h.charAt(i);
                boolean ok = (c >= 'a' && c <= 'z')
                        || (c >= 'A' && c <= 'Z')
                        || (c >= '0' && c <= '9')
                        || c == '.'
                        || c == '-'
                        || c == '_'
                        || c == ':'
                        || c == '%';
                if (!ok) {
                    throw new IllegalArgumentException(
                            "proxy host has a character a host name cannot hold at index " + i + ": " + host);
                }
            }
            return h;
        }

        /**
         * Adds a header field for the proxy (see {@link Proxy#headers()}).
         *
         * @throws IllegalArgumentException if the name is not an RFC 9110 token or the value holds CR, LF, NUL or
         *     another control character (which would let it inject lines into the request)
         */
        public Builder header(String name, String value) {
            checkField(name, value);
            headers.add(name, value);
            return this;
        }

        /** Adds each of {@code fields}; see {@link #header(String, String)}. */
        public Builder headers(HttpHeaders fields) {
            Objects.requireNonNull(fields, "headers");
            for (int i = 0; i < fields.size(); i++) {
                header(fields.name(i), fields.value(i));
            }
            return this;
        }

        /**
         * Sets {@code proxy-authorization: Basic base64(user:password)} (RFC 7617, UTF-8), replacing any set before.
         * Over an http proxy the credentials travel in clear text.
         *
         * @throws IllegalArgumentException if the user name holds a colon (Basic cannot carry it) or either holds a
         *     control character
         */
        public Builder basicAuth(String user, String password) {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(password, "password");
            if (user.indexOf(':') >= 0) {
                throw new IllegalArgumentException("proxy user name must not contain ':' (RFC 7617 §2)");
            }
            if (hasControl(user) || hasControl(password)) {
                throw new IllegalArgumentException("proxy user name and password must not hold control characters");
            }
            String token = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            headers.set("Proxy-Authorization", "Basic " + token);
            return this;
        }

        /** How long the proxy may take to answer CONNECT; positive. Default 30 s. */
        public Builder tunnelTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("proxy tunnelTimeout must be a positive duration, got " + timeout);
            }
            this.tunnelTimeout = timeout;
            return this;
        }

        /** TLS to an https proxy; default verifies the proxy's certificate against its host name. */
        public Builder tls(TlsOptions tls) {
            this.tls = Objects.requireNonNull(tls, "tls");
            return this;
        }

        public Proxy build() {
            return new Proxy(this);
        }

        private static void checkField(String name, String value) {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("proxy header name must not be empty");
            }
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (c <= 0x20 || c >= 0x7f || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0) {
                    throw new IllegalArgumentException("proxy header name is not a token: " + name);
                }
            }
            Objects.requireNonNull(value, "proxy header value");
            if (hasControl(value)) {
                throw new IllegalArgumentException(
                        "proxy header " + name + " has a control character (CR, LF, NUL...) in its value");
            }
        }

        private static boolean hasControl(String s) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if ((c < 0x20 && c != '\t') || c == 0x7f) {
                    return true;
                }
            }
            return false;
        }
    }
}

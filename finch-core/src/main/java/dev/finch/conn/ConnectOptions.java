package dev.finch.conn;

import dev.finch.codec.http1.Http1Limits;
import dev.finch.transport.TlsOptions;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * How to open and run a connection. Immutable; build with {@link #builder()}. Every size a peer controls is bounded by
 * default; every timeout has a finite default.
 */
public final class ConnectOptions {
    private static final ConnectOptions DEFAULTS = builder().build();

    private final Duration connectTimeout;
    private final Duration sendTimeout;
    private final Set<Protocol> protocols;
    private final TlsOptions tls;
    private final String hostname;
    private final boolean keepAlive;
    private final boolean preferIpv6;
    private final Http1Limits http1Limits;
    private final boolean preserveHeaderCase;
    private final boolean validateTarget;
    private final String userAgent;
    private final Http2Options http2;
    private final ProxyConfig proxy;

    private ConnectOptions(Builder b) {
        this.connectTimeout = b.connectTimeout;
        this.sendTimeout = b.sendTimeout;
        this.protocols = Set.copyOf(b.protocols);
        this.tls = b.tls;
        this.hostname = b.hostname;
        this.keepAlive = b.keepAlive;
        this.preferIpv6 = b.preferIpv6;
        this.http1Limits = b.http1Limits;
        this.preserveHeaderCase = b.preserveHeaderCase;
        this.validateTarget = b.validateTarget;
        this.userAgent = b.userAgent;
        this.http2 = b.http2;
        this.proxy = b.proxy;
    }

    /** All defaults. */
    public static ConnectOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.connectTimeout = connectTimeout;
        b.sendTimeout = sendTimeout;
        b.protocols = EnumSet.copyOf(protocols);
        b.tls = tls;
        b.hostname = hostname;
        b.keepAlive = keepAlive;
        b.preferIpv6 = preferIpv6;
        b.http1Limits = http1Limits;
        b.preserveHeaderCase = preserveHeaderCase;
        b.validateTarget = validateTarget;
        b.userAgent = userAgent;
        b.http2 = http2;
        b.proxy = proxy;
        return b;
    }

    /**
     * Bound on the TCP connect and the TLS handshake together (DNS is bounded by the JDK resolver and checked against
     * the same deadline when it returns). Default 5 s.
     */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** Bound on one blocking write in passive mode (a peer that stops reading cannot hang us). Default 30 s. */
    public Duration sendTimeout() {
        return sendTimeout;
    }

    /**
     * Protocols we may speak. Over TLS, ALPN offers them ({@code h2} first) and the server chooses; no ALPN answer
     * means HTTP/1.1 if allowed. Over plain TCP, exactly {@code {HTTP2}} speaks h2c with prior knowledge and any set
     * with {@code HTTP1} speaks HTTP/1.1 (there is no h2c upgrade). Default {@code {HTTP1}}: the pools choose their
     * own defaults.
     */
    public Set<Protocol> protocols() {
        return protocols;
    }

    /** TLS setup for https: verification is on unless turned off here. */
    public TlsOptions tls() {
        return tls;
    }

    /**
     * The host name to use for Host, SNI and the certificate check when connecting to a Unix socket. Default
     * {@code localhost}.
     */
    public String hostname() {
        return hostname;
    }

    /** Whether SO_KEEPALIVE is set on TCP sockets. Default true (as Finch). */
    public boolean keepAlive() {
        return keepAlive;
    }

    /**
     * Whether to try a host's IPv6 addresses before its IPv4 ones (Mint's {@code inet6: true}). Either way every
     * address the resolver returns is tried in turn within the one {@link #connectTimeout()}, so a host whose first
     * address refuses or does not answer is still reached through the others; this only changes the order. Default
     * false: the resolver's order, which in the JDK puts IPv4 first unless {@code java.net.preferIPv6Addresses} is
     * set. IP literals (such as {@code [::1]}) are tried as they are.
     */
    public boolean preferIpv6() {
        return preferIpv6;
    }

    /**
     * HTTP/1 bounds on what the server sends, among them the response header list size (Mint's
     * {@code max_header_list_size}, 256 KiB, also applied to trailers). The HTTP/2 counterpart is {@code
     * SETTINGS_MAX_HEADER_LIST_SIZE} in {@link Http2Options#clientSettings()}.
     */
    public Http1Limits http1Limits() {
        return http1Limits;
    }

    /**
     * HTTP/1: send header names with the case given instead of lowercase (Mint's {@code case_sensitive_headers}).
     * HTTP/2 ignores it: names are always lowercase there (RFC 9113 §8.2.1). Default false.
     */
    public boolean preserveHeaderCase() {
        return preserveHeaderCase;
    }

    /**
     * Check the request target against RFC 3986 (its characters, valid %XX): HTTP/1's request-target, and on HTTP/2
     * the target that becomes {@code :path}. Turning it off (Mint's {@code skip_target_validation}) still refuses an
     * empty target and any space or control character (CR, LF, NUL ...), which would end the request line early, and
     * on HTTP/2 a fragment ({@code #}), which {@code :path} cannot carry (RFC 9113 §8.3.1). Default true.
     */
    public boolean validateTarget() {
        return validateTarget;
    }

    /** Sent as user-agent when a request has none; {@code null} sends none. Default {@code finch-java/0.1}. */
    public String userAgent() {
        return userAgent;
    }

    /** HTTP/2: settings, receive windows and flood budgets. */
    public Http2Options http2() {
        return http2;
    }

    /**
     * Which proxy connections go through, chosen per target by scheme and host; see {@link Proxy}. Default {@link
     * ProxyConfig#none()}: direct connections, whatever the system properties say.
     */
    public ProxyConfig proxy() {
        return proxy;
    }

    /** Builds {@link ConnectOptions}; validates each value as it is set. */
    public static final class Builder {
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration sendTimeout = Duration.ofSeconds(30);
        private Set<Protocol> protocols = EnumSet.of(Protocol.HTTP1);
        private TlsOptions tls = TlsOptions.defaults();
        private String hostname = "localhost";
        private boolean keepAlive = true;
        private boolean preferIpv6;
        private Http1Limits http1Limits = Http1Limits.DEFAULTS;
        private boolean preserveHeaderCase;
        private boolean validateTarget = true;
        private String userAgent = "finch-java/0.1";
        private Http2Options http2 = Http2Options.defaults();
        private ProxyConfig proxy = ProxyConfig.none();

        private Builder() {}

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive("connectTimeout", timeout);
            return this;
        }

        public Builder sendTimeout(Duration timeout) {
            this.sendTimeout = positive("sendTimeout", timeout);
            return this;
        }

        public Builder protocols(Set<Protocol> protocols) {
            if (protocols == null || protocols.isEmpty()) {
                throw new IllegalArgumentException("protocols must name at least one protocol");
            }
            this.protocols = EnumSet.copyOf(protocols);
            return this;
        }

        public Builder tls(TlsOptions tls) {
            this.tls = Objects.requireNonNull(tls, "tls");
            return this;
        }

        /**
         * Sets {@link ConnectOptions#hostname()}.
         *
         * @throws IllegalArgumentException unless a host name (letters, digits, '-' and '_' in dot-separated labels of
         *     at most 63 characters) or an IP literal (IPv4, or IPv6 with or without brackets); no port
         */
        public Builder hostname(String hostname) {
            if (hostname == null || !isHostName(hostname) && !isIpLiteral(hostname)) {
                throw new IllegalArgumentException("hostname must be a host name or an IP literal, got "
                        + (hostname == null ? null : quote(hostname)));
            }
            this.hostname = hostname;
            return this;
        }

        public Builder keepAlive(boolean keepAlive) {
            this.keepAlive = keepAlive;
            return this;
        }

        /** Sets {@link ConnectOptions#preferIpv6()}. */
        public Builder preferIpv6(boolean preferIpv6) {
            this.preferIpv6 = preferIpv6;
            return this;
        }

        /** Sets {@link ConnectOptions#http1Limits()}. */
        public Builder http1Limits(Http1Limits limits) {
            this.http1Limits = Objects.requireNonNull(limits, "http1Limits");
            return this;
        }

        /** Sets {@link ConnectOptions#preserveHeaderCase()}. */
        public Builder preserveHeaderCase(boolean preserve) {
            this.preserveHeaderCase = preserve;
            return this;
        }

        /** Sets {@link ConnectOptions#validateTarget()}. */
        public Builder validateTarget(boolean validate) {
            this.validateTarget = validate;
            return this;
        }

        /**
         * Sets {@link ConnectOptions#userAgent()}.
         *
         * @throws IllegalArgumentException unless {@code null} or a valid field value (RFC 9110 §5.5): not blank, no
         *     control character but HTAB (no CR, LF or NUL), nothing above U+00FF, no leading or trailing whitespace
         */
        public Builder userAgent(String userAgent) {
            if (userAgent != null && !isFieldValue(userAgent)) {
                throw new IllegalArgumentException(
                        "userAgent must be a header field value (RFC 9110 §5.5) or null, got " + quote(userAgent));
            }
            this.userAgent = userAgent;
            return this;
        }

        /** HTTP/2 settings, receive windows and flood budgets; see {@link Http2Options}. */
        public Builder http2(Http2Options http2) {
            this.http2 = Objects.requireNonNull(http2, "http2");
            return this;
        }

        /** Which proxy connections go through; see {@link ConnectOptions#proxy()}. */
        public Builder proxy(ProxyConfig proxy) {
            this.proxy = Objects.requireNonNull(proxy, "proxy");
            return this;
        }

        /** Every target, http and https, through {@code proxy}: {@code proxy(ProxyConfig.all(proxy))}. */
        public Builder proxy(Proxy proxy) {
            return proxy(ProxyConfig.all(proxy));
        }

        public ConnectOptions build() {
            return new ConnectOptions(this);
        }

        /** RFC 9110 §5.5 field-value, not empty: VCHAR, obs-text, SP and HTAB inside. */
        private static boolean isFieldValue(String v) {
            if (v.isBlank() || isWhitespace(v.charAt(0)) || isWhitespace(v.charAt(v.length() - 1))) {
                return false;
            }
            for (int i = 0; i < v.length(); i++) {
                char c = v.charAt(i);
                if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
                    return false;
                }
            }
            return true;
        }

        private static boolean isWhitespace(char c) {
            return c == ' ' || c == '\t';
        }

        /** RFC 1123 labels (and '_', common in internal names), an optional trailing dot; at most 253 characters. */
        private static boolean isHostName(String h) {
            String name = h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
            if (name.isEmpty() || name.length() > 253) {
                return false;
            }
            for (String label : name.split("\\.", -1)) {
                if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) {
                    return false;
                }
                for (int i = 0; i < label.length(); i++) {
                    char c = label.charAt(i);
                    boolean ok = (c >= 'a' && c <= 'z')
                            || (c >= 'A' && c <= 'Z')
                            || (c >= '0' && c <= '9')
                            || c == '-'
                            || c == '_';
                    if (!ok) {
                        return false;
                    }
                }
            }
            return true;
        }

        /** An IPv6 literal, with or without brackets (IPv4 literals are host names by the rules above). */
        private static boolean isIpLiteral(String h) {
            String a = h.length() > 2 && h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
            if (a.indexOf(':') < 0 || a.indexOf(':') == a.lastIndexOf(':')) {
                return false; // IPv6 has at least two colons; "host:port" has one
            }
            for (int i = 0; i < a.length(); i++) {
                char c = a.charAt(i);
                boolean hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
                if (!(hex || c == ':' || c == '.')) {
                    return false;
                }
            }
            return true;
        }

        /** {@code s} in quotes with controls escaped, for an error message. */
        private static String quote(String s) {
            StringBuilder b = new StringBuilder("\"");
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c < 0x20 || c == 0x7f) {
                    b.append(String.format("\\x%02X", (int) c));
                } else {
                    b.append(c);
                }
            }
            return b.append('"').toString();
        }

        private static Duration positive(String name, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be a positive duration, got " + d);
            }
            return d;
        }
    }
}

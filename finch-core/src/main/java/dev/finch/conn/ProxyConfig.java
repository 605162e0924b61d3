package dev.finch.conn;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Which proxy, if any, a connection to a target goes through: a proxy for http targets, one for https targets, and
 * the hosts reached directly. Immutable. Set it per pool with {@link ConnectOptions.Builder#proxy(ProxyConfig)}; the
 * pool key stays the target's origin. Connections over Unix domain sockets never use a proxy.
 *
 * <p>The JDK's {@code http.proxyHost} family of system properties is read only when asked, with {@link
 * #fromSystemProperties()}: a proxy is never picked up from the environment by default.
 */
public final class ProxyConfig {
    /**
     * The JDK's loopback patterns for {@code http.nonProxyHosts} ({@code sun.net.spi.DefaultProxySelector}): its value
     * when unset, and added to a non-empty value, so that loopback names and addresses are reached directly.
     */
    static final String JDK_DEFAULT_NON_PROXY_HOSTS = "localhost|127.*|[::1]|0.0.0.0|[::0]";

    private static final ProxyConfig NONE = new ProxyConfig(null, null, "");

    private final Proxy httpProxy;
    private final Proxy httpsProxy;
    private final String nonProxyHosts;
    private final List<Pattern> bypass;

    private ProxyConfig(Proxy httpProxy, Proxy httpsProxy, String nonProxyHosts) {
        this.httpProxy = httpProxy;
        this.httpsProxy = httpsProxy;
        this.nonProxyHosts = nonProxyHosts;
        this.bypass = compile(nonProxyHosts);
    }

    /** No proxy: every connection goes directly to its target. The default. */
    public static ProxyConfig none() {
        return NONE;
    }

    /** Every target, http and https, through {@code proxy}. */
    public static ProxyConfig all(Proxy proxy) {
        Objects.requireNonNull(proxy, "proxy");
        return new ProxyConfig(proxy, proxy, "");
    }

    /**
     * http targets through {@code httpProxy} and https targets through {@code httpsProxy}; either may be {@code null}
     * for direct connections.
     */
    public static ProxyConfig of(Proxy httpProxy, Proxy httpsProxy) {
        return new ProxyConfig(httpProxy, httpsProxy, "");
    }

    /**
     * The JDK's conventional proxy properties, read now from {@link System#getProperties()}: see {@link
     * #fromProperties(Properties)}. Call it only when the user asked for it.
     */
    public static ProxyConfig fromSystemProperties() {
        return fromProperties(System.getProperties());
    }

    /**
     * The JDK's conventional proxy properties, as documented in {@code java.net}'s "Networking Properties": {@code
     * http.proxyHost} / {@code http.proxyPort} (default 80) for http targets, {@code https.proxyHost} / {@code
     * https.proxyPort} (default 443) for https targets (both plain HTTP proxies, as in the JDK), and {@code
     * http.nonProxyHosts} for the hosts reached directly by either. Like the JDK's, the loopback patterns {@value
     * #JDK_DEFAULT_NON_PROXY_HOSTS} are reached directly whether {@code http.nonProxyHosts} is unset or set (they are
     * added to its value); only an empty value proxies loopback too. A value read is a snapshot: later changes to the
     * properties do not apply.
     *
     * @throws IllegalArgumentException naming the property whose value is not usable (a port that is not a number in
     *     1..65535)
     */
    public static ProxyConfig fromProperties(Properties properties) {
        Objects.requireNonNull(properties, "properties");
        Proxy http = fromProperties(properties, "http", 80);
        Proxy https = fromProperties(properties, "https", 443);
        String nonProxy = properties.getProperty("http.nonProxyHosts");
        if (nonProxy == null) {
            nonProxy = JDK_DEFAULT_NON_PROXY_HOSTS;
        } else if (!nonProxy.isEmpty()) {
            // The JDK's DefaultProxySelector keeps its loopback patterns after a value set (only "" drops them).
            nonProxy = nonProxy + "|" + JDK_DEFAULT_NON_PROXY_HOSTS;
        }
        return new ProxyConfig(http, https, nonProxy);
    }

    private static Proxy fromProperties(Properties properties, String prefix, int defaultPort) {
        String host = properties.getProperty(prefix + ".proxyHost");
        if (host == null || host.isBlank()) {
            return null;
        }
        String portText = properties.getProperty(prefix + ".proxyPort");
        int port = defaultPort;
        if (portText != null && !portText.isBlank()) {
            try {
                port = Integer.parseInt(portText.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(prefix + ".proxyPort is not a port number: " + portText, e);
            }
        }
        try {
            return Proxy.http(host.trim(), port).build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(prefix + ".proxyHost/" + prefix + ".proxyPort: " + e.getMessage(), e);
        }
    }

    /**
     * The same proxies, with {@code pattern} naming the hosts reached directly, in the syntax of the JDK's {@code
     * http.nonProxyHosts}: host names or addresses separated by {@code |}, each of which may start or end with
     * {@code *} as a wildcard (a {@code *} elsewhere is a literal character, as in the JDK), matched ignoring case
     * against the whole target host (e.g. {@code *.internal.example|localhost|10.*}). An IPv6 literal is matched with
     * and without brackets. Empty means none; unlike {@link #fromProperties}, no loopback pattern is added.
     */
    public ProxyConfig withNonProxyHosts(String pattern) {
        return new ProxyConfig(httpProxy, httpsProxy, Objects.requireNonNull(pattern, "pattern"));
    }

    /** The proxy for http targets, if any. */
    public Optional<Proxy> httpProxy() {
        return Optional.ofNullable(httpProxy);
    }

    /** The proxy for https targets, if any. */
    public Optional<Proxy> httpsProxy() {
        return Optional.ofNullable(httpsProxy);
    }

    /** The hosts reached directly, in {@code http.nonProxyHosts} syntax; empty for none. */
    public String nonProxyHosts() {
        return nonProxyHosts;
    }

    /** Whether some target would go through a proxy. */
    public boolean isEmpty() {
        return httpProxy == null && httpsProxy == null;
    }

    /** The proxy a connection to {@code host} over {@code scheme} goes through, or empty for a direct connection. */
    public Optional<Proxy> proxyFor(Scheme scheme, String host) {
        Proxy p = scheme == Scheme.HTTPS ? httpsProxy : httpProxy;
        if (p == null || bypasses(host)) {
            return Optional.empty();
        }
        return Optional.of(p);
    }

    private boolean bypasses(String host) {
        if (bypass.isEmpty()) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        String bare = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
        String bracketed = "[" + bare + "]";
        for (Pattern p : bypass) {
            if (p.matcher(bare).matches() || p.matcher(bracketed).matches()) {
                return true;
            }
        }
        return false;
    }

    private static List<Pattern> compile(String nonProxyHosts) {
        List<Pattern> patterns = new ArrayList<>();
        for (String part : nonProxyHosts.split("\\|")) {
            String glob = part.trim().toLowerCase(Locale.ROOT);
            if (glob.isEmpty()) {
                continue;
            }
            // As the JDK's DefaultProxySelector: '*' is a wildcard only at the start or the end; elsewhere a literal.
            boolean leading = glob.startsWith("*");
            boolean trailing = glob.length() > (leading ? 1 : 0) && glob.endsWith("*");
            String literal = glob.substring(leading ? 1 : 0, glob.length() - (trailing ? 1 : 0));
            String regex =
                    (leading ? ".*" : "") + (literal.isEmpty() ? "" : Pattern.quote(literal)) + (trailing ? ".*" : "");
            patterns.add(Pattern.compile(regex));
        }
        return List.copyOf(patterns);
    }

    @Override
    public String toString() {
        return "ProxyConfig[http=" + httpProxy + ", https=" + httpsProxy + ", nonProxyHosts=" + nonProxyHosts + "]";
    }
}

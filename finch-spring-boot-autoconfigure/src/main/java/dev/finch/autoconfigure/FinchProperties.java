package dev.finch.autoconfigure;

import dev.finch.conn.Protocol;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.util.unit.DataSize;

/**
 * Finch's {@code finch.*} properties: the default pool, named pools, default request timeouts. Every value is checked
 * when the {@code FinchClient} bean is built; a wrong one fails start-up with a message naming the property.
 *
 * <pre>
 * finch:
 *   default-pool:
 *     size: 20
 *   pools:
 *     api:
 *       url: https://api.example.com
 *       count: 2
 *       protocols: [http1, http2]
 *   request:
 *     receive-timeout: 5s
 * </pre>
 */
@ConfigurationProperties("finch")
public class FinchProperties {
    /** The configuration of pools that have none of their own: every origin not listed under finch.pools. */
    @NestedConfigurationProperty
    private final Pool defaultPool = new Pool();

    /** Pools with their own configuration, by a name of your choice; each is started with the client. */
    private final Map<String, NamedPool> pools = new LinkedHashMap<>();

    /** Options of calls made without options of their own. */
    @NestedConfigurationProperty
    private final RequestDefaults request = new RequestDefaults();

    /** How long closing the client at shutdown lets requests in flight finish before cancelling them. */
    private Duration shutdownTimeout = Duration.ofSeconds(10);

    /** RestClient and RestTemplate support. */
    @NestedConfigurationProperty
    private final RestClient restClient = new RestClient();

    /** Micrometer meters. */
    @NestedConfigurationProperty
    private final Metrics metrics = new Metrics();

    /** The finch health contributor. */
    @NestedConfigurationProperty
    private final Health health = new Health();

    public Pool getDefaultPool() {
        return defaultPool;
    }

    public Map<String, NamedPool> getPools() {
        return pools;
    }

    public RequestDefaults getRequest() {
        return request;
    }

    public Duration getShutdownTimeout() {
        return shutdownTimeout;
    }

    public void setShutdownTimeout(Duration shutdownTimeout) {
        this.shutdownTimeout = shutdownTimeout;
    }

    public RestClient getRestClient() {
        return restClient;
    }

    public Metrics getMetrics() {
        return metrics;
    }

    public Health getHealth() {
        return health;
    }

    /** How one pool runs; Finch's option names and defaults, except that pool metrics are on. */
    public static class Pool {
        /** HTTP/1: the most connections per shard, opened as needed. HTTP/2 pools keep one connection per shard. */
        private int size = 50;

        /** The number of shards; a request picks one with the strategy. */
        private int count = 1;

        /**
         * The protocols to speak: [http1] an HTTP/1 pool; [http2] an HTTP/2 pool (h2 over TLS, h2c with prior
         * knowledge over plain http); both over https: ALPN decides.
         */
        private List<Protocol> protocols = new ArrayList<>(List.of(Protocol.HTTP1));

        /** How a request picks a shard when count is more than 1. */
        private Strategy strategy = Strategy.RANDOM;

        /** HTTP/1: stop the pool after this long without requests (when nothing is checked out). None by default. */
        private Duration poolMaxIdleTime;

        /** HTTP/1: close a connection that was idle this long. None by default. */
        private Duration connMaxIdleTime;

        /** Whether the pool reports its live counters (to meters, the finch endpoint and health). */
        private boolean startPoolMetrics = true;

        /** Bound on the TCP connect and the TLS handshake together. */
        private Duration connectTimeout = Duration.ofSeconds(5);

        /**
         * Whether to try a host's IPv6 addresses before its IPv4 ones (Mint's inet6). Every address the resolver
         * returns is tried either way, in turn, within connect-timeout; off keeps the resolver's order (IPv4 first in
         * the JDK unless java.net.preferIPv6Addresses is set).
         */
        private boolean preferIpv6;

        /**
         * HTTP/1: whether header names are sent with the case given instead of lowercase (Mint's
         * case_sensitive_headers). HTTP/2 always sends them lowercase, as RFC 9113 requires.
         */
        private boolean preserveHeaderCase;

        /**
         * Whether request targets are checked against RFC 3986 (characters and %XX escapes), on HTTP/1 and HTTP/2
         * alike. Off (Mint's skip_target_validation) sends targets as given, except that spaces and control characters
         * such as CR, LF and NUL are refused either way, and on HTTP/2 a fragment.
         */
        private boolean validateTarget = true;

        /**
         * The largest response header section accepted, and separately the largest trailer section: the HTTP/1
         * limit, and for HTTP/2 the SETTINGS_MAX_HEADER_LIST_SIZE we advertise and enforce (Mint's
         * max_header_list_size). Beyond it the response fails with MAX_HEADER_LIST_SIZE_EXCEEDED. The HTTP/2 header-block
         * flood caps follow it, so a larger header list is not taken for a flood.
         */
        private DataSize maxHeaderListSize = DataSize.ofKilobytes(256);

        /** TLS for https pools. */
        @NestedConfigurationProperty
        private final Tls tls = new Tls();

        /** HTTP/2 options. */
        @NestedConfigurationProperty
        private final Http2 http2 = new Http2();

        /** The HTTP proxy the pool's connections go through. None by default. */
        @NestedConfigurationProperty
        private final Proxy proxy = new Proxy();

        public int getSize() {
            return size;
        }

        public void setSize(int size) {
            this.size = size;
        }

        public int getCount() {
            return count;
        }

        public void setCount(int count) {
            this.count = count;
        }

        public List<Protocol> getProtocols() {
            return protocols;
        }

        public void setProtocols(List<Protocol> protocols) {
            this.protocols = protocols;
        }

        public Strategy getStrategy() {
            return strategy;
        }

        public void setStrategy(Strategy strategy) {
            this.strategy = strategy;
        }

        public Duration getPoolMaxIdleTime() {
            return poolMaxIdleTime;
        }

        public void setPoolMaxIdleTime(Duration poolMaxIdleTime) {
            this.poolMaxIdleTime = poolMaxIdleTime;
        }

        public Duration getConnMaxIdleTime() {
            return connMaxIdleTime;
        }

        public void setConnMaxIdleTime(Duration connMaxIdleTime) {
            this.connMaxIdleTime = connMaxIdleTime;
        }

        public boolean isStartPoolMetrics() {
            return startPoolMetrics;
        }

        public void setStartPoolMetrics(boolean startPoolMetrics) {
            this.startPoolMetrics = startPoolMetrics;
        }

        public Duration getConnectTimeout() {
            return connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public boolean isPreferIpv6() {
            return preferIpv6;
        }

        public void setPreferIpv6(boolean preferIpv6) {
            this.preferIpv6 = preferIpv6;
        }

        public boolean isPreserveHeaderCase() {
            return preserveHeaderCase;
        }

        public void setPreserveHeaderCase(boolean preserveHeaderCase) {
            this.preserveHeaderCase = preserveHeaderCase;
        }

        public boolean isValidateTarget() {
            return validateTarget;
        }

        public void setValidateTarget(boolean validateTarget) {
            this.validateTarget = validateTarget;
        }

        public DataSize getMaxHeaderListSize() {
            return maxHeaderListSize;
        }

        public void setMaxHeaderListSize(DataSize maxHeaderListSize) {
            this.maxHeaderListSize = maxHeaderListSize;
        }

        public Tls getTls() {
            return tls;
        }

        public Http2 getHttp2() {
            return http2;
        }

        public Proxy getProxy() {
            return proxy;
        }
    }

    /** A pool for one origin (or Unix socket) and tag. */
    public static class NamedPool extends Pool {
        /** The origin: http://host[:port] or https://host[:port]; any path is ignored. Required unless unix-socket. */
        private String url;

        /** A Unix domain socket to connect to instead of a host and port. */
        private Path unixSocket;

        /** Whether a Unix socket pool speaks TLS (https) rather than plain http. */
        private boolean unixSocketTls;

        /** The pool tag: requests asking for this tag use this pool. Untagged requests use "default". */
        private String tag = "default";

        public String getUrl() {
            return url;
        }

        public void setUrl(String url) {
            this.url = url;
        }

        public Path getUnixSocket() {
            return unixSocket;
        }

        public void setUnixSocket(Path unixSocket) {
            this.unixSocket = unixSocket;
        }

        public boolean isUnixSocketTls() {
            return unixSocketTls;
        }

        public void setUnixSocketTls(boolean unixSocketTls) {
            this.unixSocketTls = unixSocketTls;
        }

        public String getTag() {
            return tag;
        }

        public void setTag(String tag) {
            this.tag = tag;
        }
    }

    /** The built-in shard strategies; others can be set with a FinchClientCustomizer. */
    public enum Strategy {
        /** A shard chosen at random for each request. */
        RANDOM,
        /** Shards in turn. */
        ROUND_ROBIN
    }

    /** TLS settings of a pool. */
    public static class Tls {
        /** The Spring SSL bundle (spring.ssl.bundle.*) with the trust (and client key) material; the JDK's by default. */
        private String sslBundle;

        /**
         * Whether to verify the server's certificate and host name. Turning it off makes the connection
         * unauthenticated: only for development against self-signed servers. A warning is logged.
         */
        private boolean verify = true;

        /**
         * For debugging only: append the TLS secrets of this pool's connections to this file (NSS key log format,
         * for Wireshark). Needs org.bouncycastle:bctls-jdk18on on the class path. When not set, the SSLKEYLOGFILE
         * environment variable is honoured (unless ignore-ssl-key-log-file). An https proxy's hop logs to the same
         * file. A warning is logged.
         */
        private Path keyLogFile;

        /**
         * Never follow the SSLKEYLOGFILE environment variable for this pool (and its https proxy): for applications
         * that must not write TLS secrets to disk whatever their environment says. key-log-file still applies.
         */
        private boolean ignoreSslKeyLogFile;

        public String getSslBundle() {
            return sslBundle;
        }

        public void setSslBundle(String sslBundle) {
            this.sslBundle = sslBundle;
        }

        public boolean isVerify() {
            return verify;
        }

        public void setVerify(boolean verify) {
            this.verify = verify;
        }

        public Path getKeyLogFile() {
            return keyLogFile;
        }

        public void setKeyLogFile(Path keyLogFile) {
            this.keyLogFile = keyLogFile;
        }

        public boolean isIgnoreSslKeyLogFile() {
            return ignoreSslKeyLogFile;
        }

        public void setIgnoreSslKeyLogFile(boolean ignoreSslKeyLogFile) {
            this.ignoreSslKeyLogFile = ignoreSslKeyLogFile;
        }
    }

    /**
     * The HTTP proxy of a pool: https targets through a CONNECT tunnel, http targets through the proxy as a forward
     * proxy. None unless url is set or use-system-properties is true.
     */
    public static class Proxy {
        /** The proxy, http://host:port or https://host:port (an https proxy is reached over TLS). */
        private String url;

        /** User name for Basic authentication with the proxy (sent as Proxy-Authorization). */
        private String username;

        /** Password for Basic authentication with the proxy. */
        private String password;

        /** Header fields sent to the proxy: on each CONNECT, and on each request forwarded to an http target. */
        private Map<String, String> headers = new LinkedHashMap<>();

        /** How long the proxy may take to answer CONNECT. */
        private Duration tunnelTimeout = Duration.ofSeconds(30);

        /** Hosts reached directly, in the syntax of http.nonProxyHosts: each may hold * as a wildcard. */
        private List<String> nonProxyHosts = new ArrayList<>();

        /**
         * Whether to use the JDK's http.proxyHost, http.proxyPort, https.proxyHost, https.proxyPort and
         * http.nonProxyHosts system properties instead of url. Off unless set: a proxy is never picked up from the
         * environment by default.
         */
        private boolean useSystemProperties;

        /** The Spring SSL bundle with the trust material for an https proxy; the JDK's trust store by default. */
        private String sslBundle;

        public String getUrl() {
            return url;
        }

        public void setUrl(String url) {
            this.url = url;
        }

        public String getUsername() {
            return username;
        }

        public void setUsername(String username) {
            this.username = username;
        }

        public String getPassword() {
            return password;
        }

        public void setPassword(String password) {
            this.password = password;
        }

        public Map<String, String> getHeaders() {
            return headers;
        }

        public void setHeaders(Map<String, String> headers) {
            this.headers = headers;
        }

        public Duration getTunnelTimeout() {
            return tunnelTimeout;
        }

        public void setTunnelTimeout(Duration tunnelTimeout) {
            this.tunnelTimeout = tunnelTimeout;
        }

        public List<String> getNonProxyHosts() {
            return nonProxyHosts;
        }

        public void setNonProxyHosts(List<String> nonProxyHosts) {
            this.nonProxyHosts = nonProxyHosts;
        }

        public boolean isUseSystemProperties() {
            return useSystemProperties;
        }

        public void setUseSystemProperties(boolean useSystemProperties) {
            this.useSystemProperties = useSystemProperties;
        }

        public String getSslBundle() {
            return sslBundle;
        }

        public void setSslBundle(String sslBundle) {
            this.sslBundle = sslBundle;
        }
    }

    /** HTTP/2 options of a pool. */
    public static class Http2 {
        /** Whether requests wait for the server's SETTINGS before they are sent. */
        private boolean waitForServerSettings;

        /** Send a PING after the connection was idle this long. Never by default. */
        private Duration pingInterval;

        /** How long a PING may go unanswered before the connection is closed and reopened. */
        private Duration pingTimeout = Duration.ofSeconds(10);

        /** Drain and replace a connection after this long. Never by default. */
        private Duration maxConnectionAge;

        /** Up to this much random time is added to max-connection-age, per connection. */
        private Duration maxConnectionAgeJitter = Duration.ZERO;

        /**
         * SETTINGS_INITIAL_WINDOW_SIZE we advertise: how much of each response body the server may send before we
         * grant more. At most 2^31-1 bytes.
         */
        private DataSize initialWindowSize = DataSize.ofMegabytes(4);

        /**
         * The connection receive window, shared by all streams: raised from 65,535 bytes with a WINDOW_UPDATE after
         * the preface. From 65,535 bytes to 2^31-1 bytes.
         */
        private DataSize connectionWindowSize = DataSize.ofMegabytes(16);

        /** SETTINGS_MAX_FRAME_SIZE we advertise: the largest frame the server may send, 16KB to 16MB minus 1 byte. */
        private DataSize maxFrameSize = DataSize.ofKilobytes(16);

        /** Received bytes owed to the server before a WINDOW_UPDATE returns them (batched, at most half a window). */
        private DataSize windowUpdateThreshold = DataSize.ofBytes(160_000);

        public boolean isWaitForServerSettings() {
            return waitForServerSettings;
        }

        public void setWaitForServerSettings(boolean waitForServerSettings) {
            this.waitForServerSettings = waitForServerSettings;
        }

        public Duration getPingInterval() {
            return pingInterval;
        }

        public void setPingInterval(Duration pingInterval) {
            this.pingInterval = pingInterval;
        }

        public Duration getPingTimeout() {
            return pingTimeout;
        }

        public void setPingTimeout(Duration pingTimeout) {
            this.pingTimeout = pingTimeout;
        }

        public Duration getMaxConnectionAge() {
            return maxConnectionAge;
        }

        public void setMaxConnectionAge(Duration maxConnectionAge) {
            this.maxConnectionAge = maxConnectionAge;
        }

        public Duration getMaxConnectionAgeJitter() {
            return maxConnectionAgeJitter;
        }

        public void setMaxConnectionAgeJitter(Duration maxConnectionAgeJitter) {
            this.maxConnectionAgeJitter = maxConnectionAgeJitter;
        }

        public DataSize getInitialWindowSize() {
            return initialWindowSize;
        }

        public void setInitialWindowSize(DataSize initialWindowSize) {
            this.initialWindowSize = initialWindowSize;
        }

        public DataSize getConnectionWindowSize() {
            return connectionWindowSize;
        }

        public void setConnectionWindowSize(DataSize connectionWindowSize) {
            this.connectionWindowSize = connectionWindowSize;
        }

        public DataSize getMaxFrameSize() {
            return maxFrameSize;
        }

        public void setMaxFrameSize(DataSize maxFrameSize) {
            this.maxFrameSize = maxFrameSize;
        }

        public DataSize getWindowUpdateThreshold() {
            return windowUpdateThreshold;
        }

        public void setWindowUpdateThreshold(DataSize windowUpdateThreshold) {
            this.windowUpdateThreshold = windowUpdateThreshold;
        }
    }

    /** Default request options. */
    public static class RequestDefaults {
        /** Longest wait for a connection (HTTP/1) or a stream slot (HTTP/2). */
        private Duration poolTimeout = Duration.ofSeconds(5);

        /** Longest wait for each piece of a response. */
        private Duration receiveTimeout = Duration.ofSeconds(15);

        /** Bound on a whole request, from the call to the last byte. None by default. */
        private Duration requestTimeout;

        public Duration getPoolTimeout() {
            return poolTimeout;
        }

        public void setPoolTimeout(Duration poolTimeout) {
            this.poolTimeout = poolTimeout;
        }

        public Duration getReceiveTimeout() {
            return receiveTimeout;
        }

        public void setReceiveTimeout(Duration receiveTimeout) {
            this.receiveTimeout = receiveTimeout;
        }

        public Duration getRequestTimeout() {
            return requestTimeout;
        }

        public void setRequestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
        }
    }

    /** RestClient and RestTemplate support. */
    public static class RestClient {
        /**
         * Whether RestClient and RestTemplate built by Spring Boot send their requests through the FinchClient bean.
         * Also off when spring.http.clients.imperative.factory is set.
         */
        private boolean enabled = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** Micrometer meters. */
    public static class Metrics {
        /**
         * Most pools started from the default configuration (one per origin and tag) whose finch.* meters carry their
         * own pool tag at a time; further ones are counted under pool=other (no gauges) until a pool stops. Pools under
         * finch.pools always carry their own.
         */
        private int maxPoolTags = 100;

        public int getMaxPoolTags() {
            return maxPoolTags;
        }

        public void setMaxPoolTags(int maxPoolTags) {
            if (maxPoolTags < 1) {
                throw new IllegalArgumentException("must be at least 1, got " + maxPoolTags);
            }
            this.maxPoolTags = maxPoolTags;
        }
    }

    /** The finch health contributor. */
    public static class Health {
        /**
         * Whether pools the default configuration starts for other origins count toward health too. Off by default:
         * one failing third-party origin would make the application DOWN. They are listed by the finch endpoint.
         */
        private boolean includeDefaultPools;

        public boolean isIncludeDefaultPools() {
            return includeDefaultPools;
        }

        public void setIncludeDefaultPools(boolean includeDefaultPools) {
            this.includeDefaultPools = includeDefaultPools;
        }
    }
}

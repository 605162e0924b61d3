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

        /** TLS for https pools. */
        @NestedConfigurationProperty
        private final Tls tls = new Tls();

        /** HTTP/2 options. */
        @NestedConfigurationProperty
        private final Http2 http2 = new Http2();

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

        public Tls getTls() {
            return tls;
        }

        public Http2 getHttp2() {
            return http2;
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
         * environment variable is honoured. A warning is logged.
         */
        private Path keyLogFile;

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
         * Most distinct pool tag values (origins) the finch.* meters may carry; meters for further pools are not
         * recorded. Bounds the meters that the default pool creates for every origin it is asked to reach.
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
}

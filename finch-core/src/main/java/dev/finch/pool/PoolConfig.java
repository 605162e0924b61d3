package dev.finch.pool;

import dev.finch.conn.ConnectOptions;
import dev.finch.conn.Protocol;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How one pool runs, with Finch's option names and defaults. Immutable; build with {@link #builder()}. Every setter
 * checks its value at once and refuses a bad one with an {@link IllegalArgumentException} naming the field, so that a
 * wrong configuration fails when the client is built, never on a later request.
 *
 * <table>
 *   <caption>Options</caption>
 *   <tr><th>option</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code size}</td><td>50</td><td>HTTP/1: the most connections per shard, opened lazily</td></tr>
 *   <tr><td>{@code count}</td><td>1</td><td>shards; a request picks one with the {@code strategy}</td></tr>
 *   <tr><td>{@code protocols}</td><td>[HTTP1]</td><td>[HTTP1]: HTTP/1 pool; [HTTP2]: HTTP/2 pool; both over
 *       https: ALPN decides per connection, and h2 is multiplexed</td></tr>
 *   <tr><td>{@code connectOptions}</td><td>defaults</td><td>connect timeout 5 s, TLS, limits; its protocols are
 *       replaced by {@code protocols}</td></tr>
 *   <tr><td>{@code poolMaxIdleTime}</td><td>none</td><td>HTTP/1: stop the pool after this long without a request,
 *       if nothing is checked out</td></tr>
 *   <tr><td>{@code connMaxIdleTime}</td><td>none</td><td>HTTP/1: close a connection idle this long</td></tr>
 *   <tr><td>{@code startPoolMetrics}</td><td>false</td><td>whether pool status reports this pool</td></tr>
 *   <tr><td>{@code http2}</td><td>{@link Http2Config#defaults()}</td><td>HTTP/2 options</td></tr>
 *   <tr><td>{@code strategy}</td><td>random</td><td>the shard choice when a request names none</td></tr>
 * </table>
 */
public final class PoolConfig {
    private static final PoolConfig DEFAULTS = builder().build();

    private final int size;
    private final int count;
    private final Set<Protocol> protocols;
    private final ConnectOptions connectOptions;
    private final Duration poolMaxIdleTime;
    private final Duration connMaxIdleTime;
    private final boolean startPoolMetrics;
    private final Http2Config http2;
    private final PoolStrategy strategy;

    private PoolConfig(Builder b) {
        this.size = b.size;
        this.count = b.count;
        this.protocols = Set.copyOf(b.protocols);
        this.connectOptions =
                b.connectOptions.toBuilder().protocols(b.protocols).build();
        this.poolMaxIdleTime = b.poolMaxIdleTime;
        this.connMaxIdleTime = b.connMaxIdleTime;
        this.startPoolMetrics = b.startPoolMetrics;
        this.http2 = b.http2;
        this.strategy = b.strategy;
    }

    /** Finch's defaults: size 50, count 1, HTTP/1, no idle limits, metrics off. */
    public static PoolConfig defaults() {
        return DEFAULTS;
    }

    /** A builder holding Finch's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.size = size;
        b.count = count;
        b.protocols = EnumSet.copyOf(protocols);
        b.connectOptions = connectOptions;
        b.poolMaxIdleTime = poolMaxIdleTime;
        b.connMaxIdleTime = connMaxIdleTime;
        b.startPoolMetrics = startPoolMetrics;
        b.http2 = http2;
        b.strategy = strategy;
        return b;
    }

    /** HTTP/1: the most connections one shard opens. Ignored by HTTP/2 pools (one connection per shard). */
    public int size() {
        return size;
    }

    /** The number of shards. */
    public int count() {
        return count;
    }

    /** The protocols this pool may speak. */
    public Set<Protocol> protocols() {
        return protocols;
    }

    /** How connections are opened; its {@link ConnectOptions#protocols()} equal {@link #protocols()}. */
    public ConnectOptions connectOptions() {
        return connectOptions;
    }

    /** HTTP/1: how long the pool may go without a request before it stops (when nothing is checked out). */
    public Optional<Duration> poolMaxIdleTime() {
        return Optional.ofNullable(poolMaxIdleTime);
    }

    /** HTTP/1: how long a connection may sit idle; checked when it is about to be reused, and by the idle sweep. */
    public Optional<Duration> connMaxIdleTime() {
        return Optional.ofNullable(connMaxIdleTime);
    }

    /** Whether pool status reports this pool (Finch's {@code start_pool_metrics?}). */
    public boolean startPoolMetrics() {
        return startPoolMetrics;
    }

    /** HTTP/2 options. */
    public Http2Config http2() {
        return http2;
    }

    /** The shard strategy used when a request's options name none. */
    public PoolStrategy strategy() {
        return strategy;
    }

    /** Whether this configuration starts an HTTP/2-only pool. */
    public boolean isHttp2Only() {
        return !protocols.contains(Protocol.HTTP1);
    }

    @Override
    public String toString() {
        return "PoolConfig[size=" + size + ", count=" + count + ", protocols=" + protocols + ", poolMaxIdleTime="
                + poolMaxIdleTime + ", connMaxIdleTime=" + connMaxIdleTime + ", startPoolMetrics=" + startPoolMetrics
                + ", " + http2 + "]";
    }

    /** Builds a {@link PoolConfig}; each setter validates its value. */
    public static final class Builder {
        private int size = 50;
        private int count = 1;
        private Set<Protocol> protocols = EnumSet.of(Protocol.HTTP1);
        private ConnectOptions connectOptions = ConnectOptions.defaults();
        private Duration poolMaxIdleTime;
        private Duration connMaxIdleTime;
        private boolean startPoolMetrics;
        private Http2Config http2 = Http2Config.defaults();
        private PoolStrategy strategy = PoolStrategy.random();

        private Builder() {}

        /** HTTP/1 connections per shard, at least 1. Default 50. */
        public Builder size(int size) {
            this.size = atLeastOne("size", size);
            return this;
        }

        /** Shards, at least 1. Default 1. */
        public Builder count(int count) {
            this.count = atLeastOne("count", count);
            return this;
        }

        /** The protocols to speak, at least one. Default [HTTP1]. */
        public Builder protocols(Set<Protocol> protocols) {
            if (protocols == null || protocols.isEmpty()) {
                throw new IllegalArgumentException("protocols must name at least one protocol");
            }
            this.protocols = EnumSet.copyOf(protocols);
            return this;
        }

        /** The protocols to speak, at least one. */
        public Builder protocols(Protocol first, Protocol... more) {
            Set<Protocol> set = EnumSet.of(Objects.requireNonNull(first, "protocols"), more);
            return protocols(set);
        }

        /** How to connect (timeouts, TLS, limits). Its protocols are replaced by {@link #protocols(Set)}. */
        public Builder connectOptions(ConnectOptions options) {
            this.connectOptions = Objects.requireNonNull(options, "connectOptions");
            return this;
        }

        /** HTTP/1: stop the pool after this long without requests; {@code null} for never (the default). */
        public Builder poolMaxIdleTime(Duration time) {
            this.poolMaxIdleTime = positiveOrNull("poolMaxIdleTime", time);
            return this;
        }

        /** HTTP/1: close connections idle this long; {@code null} for never (the default). */
        public Builder connMaxIdleTime(Duration time) {
            this.connMaxIdleTime = positiveOrNull("connMaxIdleTime", time);
            return this;
        }

        /** Whether pool status reports this pool. Default false. */
        public Builder startPoolMetrics(boolean start) {
            this.startPoolMetrics = start;
            return this;
        }

        /** HTTP/2 options. */
        public Builder http2(Http2Config http2) {
            this.http2 = Objects.requireNonNull(http2, "http2");
            return this;
        }

        /** The default shard strategy. Default random. */
        public Builder strategy(PoolStrategy strategy) {
            this.strategy = Objects.requireNonNull(strategy, "strategy");
            return this;
        }

        /** The configuration. */
        public PoolConfig build() {
            return new PoolConfig(this);
        }
    }

    /**
     * HTTP/2 options (Finch's {@code :http2} keyword list), plus a deadline for pongs and the reconnect backoff.
     */
    public static final class Http2Config {
        private static final Http2Config DEFAULTS = builder().build();

        private final boolean waitForServerSettings;
        private final Duration pingInterval;
        private final Duration pingTimeout;
        private final Duration maxConnectionAge;
        private final Duration maxConnectionAgeJitter;
        private final Duration reconnectBackoffMin;
        private final Duration reconnectBackoffMax;

        private Http2Config(Builder b) {
            this.waitForServerSettings = b.waitForServerSettings;
            this.pingInterval = b.pingInterval;
            this.pingTimeout = b.pingTimeout;
            this.maxConnectionAge = b.maxConnectionAge;
            this.maxConnectionAgeJitter = b.maxConnectionAgeJitter;
            this.reconnectBackoffMin = b.reconnectBackoffMin;
            this.reconnectBackoffMax = b.reconnectBackoffMax;
        }

        /** Finch's defaults, plus a 10 s pong deadline and a 500 ms to 10 s reconnect backoff. */
        public static Http2Config defaults() {
            return DEFAULTS;
        }

        /** A builder holding the defaults. */
        public static Builder builder() {
            return new Builder();
        }

        /** A builder holding these values. */
        public Builder toBuilder() {
            Builder b = new Builder();
            b.waitForServerSettings = waitForServerSettings;
            b.pingInterval = pingInterval;
            b.pingTimeout = pingTimeout;
            b.maxConnectionAge = maxConnectionAge;
            b.maxConnectionAgeJitter = maxConnectionAgeJitter;
            b.reconnectBackoffMin = reconnectBackoffMin;
            b.reconnectBackoffMax = reconnectBackoffMax;
            return b;
        }

        /** Whether requests wait until the server's SETTINGS arrived (they fail with CONNECTION_NOT_READY before). */
        public boolean waitForServerSettings() {
            return waitForServerSettings;
        }

        /** Send a PING after the connection was idle this long; empty for never (the default). */
        public Optional<Duration> pingInterval() {
            return Optional.ofNullable(pingInterval);
        }

        /** How long a PING may go unanswered before the connection is closed and reopened. Default 10 s. */
        public Duration pingTimeout() {
            return pingTimeout;
        }

        /** Drain and replace a connection after this long; empty for never (the default). */
        public Optional<Duration> maxConnectionAge() {
            return Optional.ofNullable(maxConnectionAge);
        }

        /** Up to this much random time is added to {@link #maxConnectionAge()}, per connection. Default 0. */
        public Duration maxConnectionAgeJitter() {
            return maxConnectionAgeJitter;
        }

        /** The first reconnect delay; it doubles on each failure up to {@link #reconnectBackoffMax()}. */
        public Duration reconnectBackoffMin() {
            return reconnectBackoffMin;
        }

        /** The longest reconnect delay. */
        public Duration reconnectBackoffMax() {
            return reconnectBackoffMax;
        }

        @Override
        public String toString() {
            return "Http2Config[waitForServerSettings=" + waitForServerSettings + ", pingInterval=" + pingInterval
                    + ", pingTimeout=" + pingTimeout + ", maxConnectionAge=" + maxConnectionAge
                    + ", maxConnectionAgeJitter=" + maxConnectionAgeJitter + ", reconnectBackoff="
                    + reconnectBackoffMin + ".." + reconnectBackoffMax + "]";
        }

        /** Builds an {@link Http2Config}; each setter validates its value. */
        public static final class Builder {
            private boolean waitForServerSettings;
            private Duration pingInterval;
            private Duration pingTimeout = Duration.ofSeconds(10);
            private Duration maxConnectionAge;
            private Duration maxConnectionAgeJitter = Duration.ZERO;
            private Duration reconnectBackoffMin = Duration.ofMillis(500);
            private Duration reconnectBackoffMax = Duration.ofSeconds(10);

            private Builder() {}

            /** Default false. */
            public Builder waitForServerSettings(boolean wait) {
                this.waitForServerSettings = wait;
                return this;
            }

            /** {@code null} for never (the default). */
            public Builder pingInterval(Duration interval) {
                this.pingInterval = positiveOrNull("http2.pingInterval", interval);
                return this;
            }

            /** Positive. Default 10 s. */
            public Builder pingTimeout(Duration timeout) {
                this.pingTimeout = positive("http2.pingTimeout", timeout);
                return this;
            }

            /** {@code null} for never (the default). */
            public Builder maxConnectionAge(Duration age) {
                this.maxConnectionAge = positiveOrNull("http2.maxConnectionAge", age);
                return this;
            }

            /** Zero or positive. Default 0. */
            public Builder maxConnectionAgeJitter(Duration jitter) {
                if (jitter == null || jitter.isNegative()) {
                    throw new IllegalArgumentException(
                            "http2.maxConnectionAgeJitter must be zero or positive, got " + jitter);
                }
                this.maxConnectionAgeJitter = jitter;
                return this;
            }

            /** The first and the longest reconnect delay. Default 500 ms and 10 s. */
            public Builder reconnectBackoff(Duration min, Duration max) {
                positive("http2.reconnectBackoffMin", min);
                positive("http2.reconnectBackoffMax", max);
                if (max.compareTo(min) < 0) {
                    throw new IllegalArgumentException("http2.reconnectBackoffMax (" + max
                            + ") must not be shorter than http2.reconnectBackoffMin (" + min + ")");
                }
                this.reconnectBackoffMin = min;
                this.reconnectBackoffMax = max;
                return this;
            }

            /** The options. */
            public Http2Config build() {
                return new Http2Config(this);
            }
        }
    }

    private static int atLeastOne(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, got " + value);
        }
        return value;
    }

    static Duration positive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration, got " + d);
        }
        return d;
    }

    private static Duration positiveOrNull(String name, Duration d) {
        return d == null ? null : positive(name, d);
    }
}

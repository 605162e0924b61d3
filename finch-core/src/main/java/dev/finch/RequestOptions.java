package dev.finch;

import dev.finch.pool.PoolConfig;
import dev.finch.pool.PoolStrategy;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Per-request options (Finch's {@code request_opts}), with Finch's defaults. Immutable; the client has a default set
 * ({@link FinchClient.Builder#defaultRequestOptions}) that calls without options use.
 *
 * <table>
 *   <caption>Options</caption>
 *   <tr><th>option</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code poolTimeout}</td><td>5 s</td><td>longest wait for a connection (HTTP/1) or a stream slot
 *       (HTTP/2): {@code FinchException POOL_TIMEOUT}</td></tr>
 *   <tr><td>{@code receiveTimeout}</td><td>15 s</td><td>longest wait for each piece of the response (per read):
 *       {@code TransportException TIMEOUT}</td></tr>
 *   <tr><td>{@code requestTimeout}</td><td>none</td><td>the whole request, from the call to the last byte, on HTTP/1
 *       and HTTP/2: {@code FinchException REQUEST_TIMEOUT}</td></tr>
 *   <tr><td>{@code strategy}</td><td>the pool's</td><td>which shard serves the request when count &gt; 1</td></tr>
 *   <tr><td>{@code poolConfigIfStarting}</td><td>none</td><td>the configuration of the pool this request starts when
 *       none runs for its key and the key has no configuration of its own (started transiently, as
 *       {@link FinchClient#startTransientPool}); see {@link Builder#poolConfigIfStarting}</td></tr>
 * </table>
 */
public final class RequestOptions {
    private static final RequestOptions DEFAULTS = builder().build();

    private final Duration poolTimeout;
    private final Duration receiveTimeout;
    private final Duration requestTimeout;
    private final PoolStrategy strategy;
    private final PoolConfig poolConfigIfStarting;
    // Precomputed for the request path.
    final long poolTimeoutNanos;
    final long receiveTimeoutNanos;
    final long requestTimeoutNanos;

    private RequestOptions(Builder b) {
        this.poolTimeout = b.poolTimeout;
        this.receiveTimeout = b.receiveTimeout;
        this.requestTimeout = b.requestTimeout;
        this.strategy = b.strategy;
        this.poolConfigIfStarting = b.poolConfigIfStarting;
        this.poolTimeoutNanos = saturatedNanos(poolTimeout);
        this.receiveTimeoutNanos = saturatedNanos(receiveTimeout);
        this.requestTimeoutNanos = requestTimeout == null ? Long.MAX_VALUE : saturatedNanos(requestTimeout);
    }

    /** Finch's defaults: pool timeout 5 s, receive timeout 15 s, no request timeout, the pool's strategy. */
    public static RequestOptions defaults() {
        return DEFAULTS;
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.poolTimeout = poolTimeout;
        b.receiveTimeout = receiveTimeout;
        b.requestTimeout = requestTimeout;
        b.strategy = strategy;
        b.poolConfigIfStarting = poolConfigIfStarting;
        return b;
    }

    /** The longest wait for a connection or stream slot. */
    public Duration poolTimeout() {
        return poolTimeout;
    }

    /** The longest wait for each read of the response. */
    public Duration receiveTimeout() {
        return receiveTimeout;
    }

    /** The bound on the whole request, if any. */
    public Optional<Duration> requestTimeout() {
        return Optional.ofNullable(requestTimeout);
    }

    /** The shard strategy, or empty for the pool's own. */
    public Optional<PoolStrategy> strategy() {
        return Optional.ofNullable(strategy);
    }

    PoolStrategy strategyOrNull() {
        return strategy;
    }

    /**
     * The configuration a pool this request has to start gets when its key has none of its own, or empty for the
     * default configuration; see {@link Builder#poolConfigIfStarting}.
     */
    public Optional<PoolConfig> poolConfigIfStarting() {
        return Optional.ofNullable(poolConfigIfStarting);
    }

    PoolConfig poolConfigIfStartingOrNull() {
        return poolConfigIfStarting;
    }

    @Override
    public String toString() {
        return "RequestOptions[poolTimeout=" + poolTimeout + ", receiveTimeout=" + receiveTimeout + ", requestTimeout="
                + requestTimeout + ", strategy=" + strategy
                + (poolConfigIfStarting == null ? "" : ", poolConfigIfStarting=" + poolConfigIfStarting) + "]";
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** Builds {@link RequestOptions}; each setter validates its value and names it when refusing one. */
    public static final class Builder {
        private Duration poolTimeout = Duration.ofSeconds(5);
        private Duration receiveTimeout = Duration.ofSeconds(15);
        private Duration requestTimeout;
        private PoolStrategy strategy;
        private PoolConfig poolConfigIfStarting;

        private Builder() {}

        /** Positive. Default 5 s. */
        public Builder poolTimeout(Duration timeout) {
            this.poolTimeout = positive("poolTimeout", timeout);
            return this;
        }

        /** Positive. Default 15 s. */
        public Builder receiveTimeout(Duration timeout) {
            this.receiveTimeout = positive("receiveTimeout", timeout);
            return this;
        }

        /** Positive, or {@code null} for none (the default). */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = timeout == null ? null : positive("requestTimeout", timeout);
            return this;
        }

        /** The shard strategy for this request; {@code null} for the pool's own (the default). */
        public Builder strategy(PoolStrategy strategy) {
            this.strategy = strategy;
            return this;
        }

        /**
         * The configuration to start this request's pool with if none runs for its key when the request needs it
         * (never started, or stopped by pool-max-idle-time or {@link FinchClient#stopPool}) and the key has no
         * configuration of its own; {@code null} for the client's default configuration (the default). A pool
         * started so is transient, as with {@link FinchClient#startTransientPool}: the client does not remember the
         * configuration, and a later request without this option starts the key's pool from the default again.
         *
         * <p>It only applies to starting a pool. A running pool serves the request whatever its configuration, and a
         * key with a configuration of its own (from {@link FinchClient.Builder#pool} or
         * {@link FinchClient#startPool}) is started with that one: this option stands in for the default
         * configuration, not for the key's. Use it to derive pools at run time (a tagged pool of an origin with other
         * connect options, say) without a request that comes as such a pool stops running on a pool from the
         * default configuration. The configuration is checked for the request's key when the pool starts; one that
         * cannot work for it fails the request with the {@link IllegalArgumentException}
         * {@link FinchClient#startTransientPool} would throw (an async request fails with an {@code IOException}
         * caused by it).
         */
        public Builder poolConfigIfStarting(PoolConfig config) {
            this.poolConfigIfStarting = config;
            return this;
        }

        /** The options. */
        public RequestOptions build() {
            return new RequestOptions(this);
        }

        private static Duration positive(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be a positive duration, got " + d);
            }
            return d;
        }
    }
}

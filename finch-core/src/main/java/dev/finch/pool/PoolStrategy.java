package dev.finch.pool;

import dev.finch.telemetry.RequestInfo;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Chooses the shard that serves a request when a pool has {@code count > 1} (Finch's {@code :pool_strategy}). Any
 * lambda is a custom strategy; it is called on the requesting thread and must be thread-safe.
 *
 * <pre>{@code
 * PoolStrategy.random()                                   // the default
 * PoolStrategy.roundRobin()                               // one shared counter per strategy instance
 * PoolStrategy.hash(r -> r.headers().first("x-tenant"))   // the same key always goes to the same shard
 * (request, count) -> request.method().equals("GET") ? 0 : 1 + ThreadLocalRandom.current().nextInt(count - 1)
 * }</pre>
 */
@FunctionalInterface
public interface PoolStrategy {
    /**
     * Returns the shard for {@code request}, from {@code 0} to {@code shardCount - 1}.
     *
     * @param shardCount the number of shards now (at least 1; it changes when the pool is resized)
     */
    int select(RequestInfo request, int shardCount);

    /** A shard chosen uniformly at random (Finch's default). */
    static PoolStrategy random() {
        return Builtin.RANDOM;
    }

    /** Shards in turn, from a counter owned by the returned instance. */
    static PoolStrategy roundRobin() {
        AtomicInteger next = new AtomicInteger();
        return (request, shardCount) -> Math.floorMod(next.getAndIncrement(), shardCount);
    }

    /**
     * The shard given by the hash of a key taken from the request: requests with equal keys share a shard (affinity).
     * A {@code null} key goes to shard 0.
     */
    static PoolStrategy hash(Function<? super RequestInfo, ?> key) {
        Objects.requireNonNull(key, "key");
        return (request, shardCount) -> {
            Object k = key.apply(request);
            // Spread the bits, as HashMap does, so that keys differing only in high bits use different shards.
            int h = k == null ? 0 : k.hashCode();
            return Math.floorMod(h ^ (h >>> 16), shardCount);
        };
    }

    /** The built-in stateless strategies, with readable names. */
    enum Builtin implements PoolStrategy {
        RANDOM {
            @Override
            public int select(RequestInfo request, int shardCount) {
                return shardCount == 1 ? 0 : ThreadLocalRandom.current().nextInt(shardCount);
            }
        }
    }
}

package dev.finch.autoconfigure;

import dev.finch.pool.PoolStrategy;
import dev.finch.telemetry.RequestInfo;

/** A built-in strategy chosen by a property, remembering its property value for the finch endpoint. */
record NamedStrategy(String name, PoolStrategy delegate) implements PoolStrategy {
    @Override
    public int select(RequestInfo request, int shardCount) {
        return delegate.select(request, shardCount);
    }

    /** The name the finch endpoint shows for {@code strategy}. */
    static String nameOf(PoolStrategy strategy) {
        if (strategy instanceof NamedStrategy n) {
            return n.name();
        }
        return strategy == PoolStrategy.random() ? "random" : "custom";
    }
}

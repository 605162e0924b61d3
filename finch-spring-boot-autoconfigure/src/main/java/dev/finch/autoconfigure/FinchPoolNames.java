package dev.finch.autoconfigure;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Names the running pools for the endpoint and health: a pool configured under {@code finch.pools.<name>} is called
 * by that name; any other (started from the default configuration) by a URL-safe form of its key, such as
 * {@code http-127.0.0.1-8080} or {@code https-api.example.com-443-bulk}.
 */
final class FinchPoolNames {
    private final FinchClient client;
    private final Map<String, PoolKey> configured;

    FinchPoolNames(FinchClient client, FinchProperties properties) {
        this.client = client;
        Map<String, PoolKey> keys;
        try {
            keys = FinchPropertiesMapper.poolKeys(properties);
        } catch (RuntimeException e) {
            // The client was not built from these properties (the application defined its own).
            keys = Map.of();
        }
        this.configured = keys;
    }

    /** Every running pool by name: the configured ones first, in configuration order. */
    Map<String, PoolKey> running() {
        Map<String, PoolKey> out = new LinkedHashMap<>();
        var keys = client.poolKeys();
        configured.forEach((name, key) -> {
            if (keys.contains(key)) {
                out.put(name, key);
            }
        });
        keys.stream()
                .filter(k -> !out.containsValue(k))
                .sorted((a, b) -> a.toString().compareTo(b.toString()))
                .forEach(k -> out.put(nameOf(k), k));
        return out;
    }

    /** The running pool called {@code name}. */
    Optional<PoolKey> find(String name) {
        return Optional.ofNullable(running().get(name));
    }

    /** The name of an unconfigured pool: scheme, host (or socket path) and port, plus the tag when not default. */
    static String nameOf(PoolKey key) {
        String where = key.isUnixSocket()
                ? "unix" + key.unixSocket().toString().replace('/', '_')
                : key.host().replace(':', '_') + "-" + key.port();
        return key.scheme() + "-" + where + (key.isDefaultTag() ? "" : "-" + key.tag());
    }
}

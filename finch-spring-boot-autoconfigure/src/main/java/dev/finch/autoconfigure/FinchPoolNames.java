package dev.finch.autoconfigure;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Names the pools for the endpoint and health: a pool configured under {@code finch.pools.<name>} is called
 * by that name; any other by a URL-safe form of its key, such as {@code http-127.0.0.1-8080} or
 * {@code https-api.example.com-443-bulk}. Configured pools are those the client was built with (running when this is
 * created): the {@code finch.pools} ones and any a customizer or the application's own builder added. A running
 * settings pool of a configured origin ({@link SettingsPools}: RestClient requests with a connect timeout or SSL
 * bundle of their own) carries that origin's traffic, so it is listed with the configured pools while it runs, named
 * after its origin and tag ({@code api-spring-connect-PT1S}).
 */
final class FinchPoolNames {
    private final FinchClient client;
    private final Map<String, PoolKey> configured;
    private final List<String> order;

    FinchPoolNames(FinchClient client, FinchProperties properties) {
        this.client = client;
        // The pools the client was built with, all running now (the default configuration starts the others on
        // demand): those of finch.pools by their name, those a customizer or an application's own builder added by
        // their key. Properties naming pools an application's own client does not have are left out.
        Map<String, PoolKey> started = new LinkedHashMap<>();
        var running = client.poolKeys();
        configuredKeys(properties).forEach((name, key) -> {
            if (running.contains(key)) {
                started.put(name, key);
            }
        });
        running.stream()
                .filter(k -> !started.containsValue(k))
                .sorted(Comparator.comparing(PoolKey::toString))
                .forEach(k -> started.put(nameOf(k), k));
        this.configured = Map.copyOf(started);
        this.order = List.copyOf(started.keySet());
    }

    /** The keys of the pools under {@code finch.pools}, by name; none if they are invalid. */
    static Map<String, PoolKey> configuredKeys(FinchProperties properties) {
        try {
            return FinchPropertiesMapper.poolKeys(properties);
        } catch (RuntimeException e) {
            // Building the client from these properties fails with the property's name; nothing to name here.
            return Map.of();
        }
    }

    /**
     * The configured pools by name, in configuration order, whether running or stopped (by pool-max-idle-time), each
     * followed by its running settings pools.
     */
    Map<String, PoolKey> configured() {
        Map<PoolKey, List<PoolKey>> derived = new LinkedHashMap<>();
        client.poolKeys().stream().sorted(Comparator.comparing(PoolKey::tag)).forEach(k -> SettingsPools.originOf(k)
                .filter(configured::containsValue)
                .ifPresent(origin ->
                        derived.computeIfAbsent(origin, o -> new ArrayList<>()).add(k)));
        Map<String, PoolKey> out = new LinkedHashMap<>();
        order.forEach(name -> {
            PoolKey key = configured.get(name);
            out.put(name, key);
            derived.getOrDefault(key, List.of()).forEach(k -> out.put(name + "-" + k.tag(), k));
        });
        return out;
    }

    /** Whether {@code key} is one of the configured pools (not one of their settings pools, which come and go). */
    boolean isConfigured(PoolKey key) {
        return configured.containsValue(key);
    }

    /** The configured pools (running or not) with their settings pools, then every other running pool, by name. */
    Map<String, PoolKey> all() {
        Map<String, PoolKey> out = configured();
        client.poolKeys().stream()
                .filter(k -> !out.containsValue(k))
                .sorted(Comparator.comparing(PoolKey::toString))
                .forEach(k -> out.put(nameOf(k), k));
        return out;
    }

    /** The pool called {@code name}: a configured one (running or not) or another running one. */
    Optional<PoolKey> find(String name) {
        PoolKey key = configured.get(name);
        return key != null ? Optional.of(key) : Optional.ofNullable(all().get(name));
    }

    /** The name of an unconfigured pool: scheme, host (or socket path) and port, plus the tag when not default. */
    static String nameOf(PoolKey key) {
        String where = key.isUnixSocket()
                ? "unix" + key.unixSocket().toString().replace('/', '_')
                : key.host().replace(':', '_') + "-" + key.port();
        return key.scheme() + "-" + where + (key.isDefaultTag() ? "" : "-" + key.tag());
    }
}

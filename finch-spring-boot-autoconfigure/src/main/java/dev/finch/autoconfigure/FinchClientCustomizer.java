package dev.finch.autoconfigure;

import dev.finch.FinchClient;

/**
 * Customizes the auto-configured {@link FinchClient} before it is built, for what properties cannot express (a custom
 * shard strategy, an executor, more pools). Beans of this type are applied in {@link org.springframework.core.Ordered}
 * order, after the {@code finch.*} properties.
 */
@FunctionalInterface
public interface FinchClientCustomizer {
    /** Changes {@code builder}, which already holds the configured pools and options. */
    void customize(FinchClient.Builder builder);
}

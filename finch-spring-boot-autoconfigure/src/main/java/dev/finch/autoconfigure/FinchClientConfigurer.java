package dev.finch.autoconfigure;

import dev.finch.FinchClient;
import dev.finch.telemetry.FinchListener;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.ssl.SslBundles;

/**
 * Applies what the starter gives its own {@link FinchClient} bean to a builder: the {@code finch.*} properties (pools,
 * default pool, request options, shutdown timeout), the {@link FinchListener} beans — among them the starter's meters,
 * health connect-failure tracking and observation — and the {@link FinchClientCustomizer} beans, in order.
 *
 * <p>The auto-configured client is built with it. An application that defines its own {@code FinchClient} bean (the
 * auto-configuration then backs off) injects this bean and calls {@link #configure(FinchClient.Builder)} to keep the
 * starter's meters, health and observation working for that client:
 *
 * <pre>{@code
 * @Bean(destroyMethod = "close")
 * FinchClient finchClient(FinchClientConfigurer configurer) {
 *     return configurer.configure(FinchClient.builder()).asyncExecutor(myExecutor).build();
 * }
 * }</pre>
 */
public final class FinchClientConfigurer {
    private final FinchProperties properties;
    private final ObjectProvider<SslBundles> sslBundles;
    private final ObjectProvider<FinchListener> listeners;
    private final ObjectProvider<FinchClientCustomizer> customizers;

    FinchClientConfigurer(
            FinchProperties properties,
            ObjectProvider<SslBundles> sslBundles,
            ObjectProvider<FinchListener> listeners,
            ObjectProvider<FinchClientCustomizer> customizers) {
        this.properties = properties;
        this.sslBundles = sslBundles;
        this.listeners = listeners;
        this.customizers = customizers;
    }

    /**
     * Configures {@code builder} with the {@code finch.*} properties, then sets its listener to every
     * {@link FinchListener} bean (in order), then applies the {@link FinchClientCustomizer} beans (in order). What the
     * caller sets on the builder afterwards wins; a later {@code listener(...)} call would replace the starter's
     * listeners, so combine them with {@link #listener()} instead.
     *
     * @return {@code builder}
     * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException if a
     *     property holds a value Finch refuses (the exception names the property)
     */
    public FinchClient.Builder configure(FinchClient.Builder builder) {
        new FinchPropertiesMapper(sslBundles.getIfAvailable()).configure(properties, builder);
        builder.listener(listener());
        customizers.orderedStream().forEach(c -> c.customize(builder));
        return builder;
    }

    /** Every {@link FinchListener} bean, in order, as one listener ({@link FinchListener#NONE} when there is none). */
    public FinchListener listener() {
        FinchListener[] all = listeners.orderedStream().toArray(FinchListener[]::new);
        return all.length == 0 ? FinchListener.NONE : all.length == 1 ? all[0] : FinchListener.all(all);
    }
}

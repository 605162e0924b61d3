package dev.finch.autoconfigure;

import dev.finch.codec.http1.Http1Limits;
import dev.finch.codec.http2.Settings;
import dev.finch.conn.ConnectOptions;
import dev.finch.conn.Http2Options;
import org.springframework.util.unit.DataSize;

/**
 * Maps a pool's connection options (Mint's connect options: inet6, case_sensitive_headers, skip_target_validation,
 * max_header_list_size, client_settings and the connection window) onto {@link ConnectOptions}. Each value goes
 * through Finch's own builders; a refused one is reported against its property.
 */
final class FinchConnectionOptions {
    private FinchConnectionOptions() {}

    /** Sets the connection options of {@code pool}, whose properties start with {@code prefix}, on {@code connect}. */
    static void configure(String prefix, FinchProperties.Pool pool, ConnectOptions.Builder connect) {
        connect.preferIpv6(pool.isPreferIpv6());
        connect.preserveHeaderCase(pool.isPreserveHeaderCase());
        connect.validateTarget(pool.isValidateTarget());

        String headerListProperty = prefix + ".max-header-list-size";
        int maxHeaderListSize = bytes(headerListProperty, pool.getMaxHeaderListSize());
        FinchPropertiesMapper.check(
                headerListProperty,
                pool.getMaxHeaderListSize(),
                () -> connect.http1Limits(Http1Limits.DEFAULTS.withMaxHeaderListSize(maxHeaderListSize)));

        FinchProperties.Http2 http2 = pool.getHttp2();
        String http2Prefix = prefix + ".http2";
        Settings.Builder settings = Settings.builder();
        settings.set(Settings.MAX_HEADER_LIST_SIZE, maxHeaderListSize);
        FinchPropertiesMapper.check(
                http2Prefix + ".initial-window-size",
                http2.getInitialWindowSize(),
                () -> settings.set(
                        Settings.INITIAL_WINDOW_SIZE,
                        bytes(http2Prefix + ".initial-window-size", http2.getInitialWindowSize())));
        int maxFrameSize = bytes(http2Prefix + ".max-frame-size", http2.getMaxFrameSize());
        if (maxFrameSize != Settings.MIN_MAX_FRAME_SIZE) {
            // Only when it differs: SETTINGS then stay what the core sends by default.
            FinchPropertiesMapper.check(
                    http2Prefix + ".max-frame-size",
                    http2.getMaxFrameSize(),
                    () -> settings.set(Settings.MAX_FRAME_SIZE, maxFrameSize));
        }
        Http2Options.Builder options = Http2Options.builder().clientSettings(settings.build());
        FinchPropertiesMapper.check(
                http2Prefix + ".connection-window-size",
                http2.getConnectionWindowSize(),
                () -> options.connectionWindowSize(
                        bytes(http2Prefix + ".connection-window-size", http2.getConnectionWindowSize())));
        FinchPropertiesMapper.check(
                http2Prefix + ".window-update-threshold",
                http2.getWindowUpdateThreshold(),
                () -> options.windowUpdateThreshold(
                        bytes(http2Prefix + ".window-update-threshold", http2.getWindowUpdateThreshold())));
        connect.http2(options.build());
    }

    /**
     * A size in bytes as an {@code int}: HTTP/2 and the HTTP/1 limits count in 31 bits.
     *
     * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException if unset,
     *     negative or above 2^31-1 bytes
     */
    private static int bytes(String property, DataSize size) {
        return FinchPropertiesMapper.check(property, size, () -> {
            if (size == null) {
                throw new IllegalArgumentException("must be set");
            }
            long bytes = size.toBytes();
            if (bytes < 0 || bytes > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("must be from 0 to 2147483647 bytes, got " + bytes);
            }
            return (int) bytes;
        });
    }
}

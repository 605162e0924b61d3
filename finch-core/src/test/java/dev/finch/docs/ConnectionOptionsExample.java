package dev.finch.docs;

import dev.finch.codec.http1.Http1Limits;
import dev.finch.codec.http2.Settings;
import dev.finch.conn.ConnectOptions;
import dev.finch.conn.Http2Options;

/** The connection-options example of docs/connection.md. */
final class ConnectionOptionsExample {
    private ConnectionOptionsExample() {}

    static ConnectOptions options() {
        // tag::connection-options[]
        ConnectOptions options = ConnectOptions.builder()
                .preferIpv6(true) // Mint's inet6: true; every address is still tried, within connectTimeout
                .preserveHeaderCase(true) // HTTP/1 only: HTTP/2 names are always lowercase
                .validateTarget(false) // raw targets such as /a|b; SP, CR, LF and NUL are still refused
                .http1Limits(Http1Limits.DEFAULTS.withMaxHeaderListSize(64 * 1024))
                .http2(Http2Options.builder()
                        .clientSettings(Settings.builder() // merged over the defaults; push stays off
                                .set(Settings.MAX_HEADER_LIST_SIZE, 64 * 1024)
                                .set(Settings.INITIAL_WINDOW_SIZE, 1024 * 1024)
                                .set(Settings.MAX_FRAME_SIZE, 64 * 1024)
                                .build())
                        .connectionWindowSize(32 * 1024 * 1024)
                        .build())
                .build();
        // end::connection-options[]
        return options;
    }
}

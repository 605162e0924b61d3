package dev.finch.telemetry;

import java.nio.file.Path;

/**
 * The identity of a pool as events, strategies and the pools themselves see it: scheme, host and port (or a Unix
 * socket path) and a tag. {@code dev.finch.PoolKey} is the implementation applications use; this interface exists
 * because the layers below the client (pools, telemetry) may not import the client's package.
 */
public interface PoolInfo {
    /** {@code "http"} or {@code "https"}. */
    String scheme();

    /** The host name or IP literal (without brackets), or {@code null} for a Unix socket pool. */
    String host();

    /** The TCP port, or {@code 0} for a Unix socket pool. */
    int port();

    /** The Unix domain socket path, or {@code null} for a TCP pool. */
    Path unixSocket();

    /** The pool tag; {@code "default"} when none was given. Never null. */
    String tag();
}

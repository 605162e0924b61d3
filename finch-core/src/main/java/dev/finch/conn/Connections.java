package dev.finch.conn;

import java.io.IOException;
import java.nio.file.Path;

/** Opens transports and chooses the protocol. */
final class Connections {
    private Connections() {}

    static HttpConnection connect(Scheme scheme, String host, int port, Path unixSocket, ConnectOptions options)
            throws IOException {
        throw new UnsupportedOperationException("STUB");
    }
}

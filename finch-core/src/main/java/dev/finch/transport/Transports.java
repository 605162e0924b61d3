package dev.finch.transport;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Opens transports. Every method blocks the calling thread until connected, failed, or past the deadline. */
public final class Transports {
    private Transports() {}

    /**
     * Connects over TCP with TCP_NODELAY (and SO_KEEPALIVE if asked), resolving {@code host} first; tries each
     * resolved address in turn until one connects or the deadline passes.
     *
     * @param deadlineNanos a {@link System#nanoTime()} value bounding DNS and the TCP connect
     * @throws dev.finch.http.TransportException UNKNOWN_HOST, CONNECT_FAILED, TIMEOUT, INTERRUPTED
     */
    public static Transport tcp(String host, int port, boolean keepAlive, long deadlineNanos) throws IOException {
        throw new UnsupportedOperationException("STUB");
    }

    /** Connects to the Unix domain socket at {@code path}. */
    public static Transport unix(Path path, long deadlineNanos) throws IOException {
        throw new UnsupportedOperationException("STUB");
    }

    /**
     * Runs a client TLS handshake over {@code plain} (which the returned transport then owns) and returns the
     * encrypted transport.
     *
     * @param serverName for SNI and host-name verification (an IP literal disables SNI and checks IP SANs)
     * @param alpnProtocols protocols to offer with ALPN, most preferred first; empty offers none
     * @throws dev.finch.http.TransportException TLS_CERTIFICATE_REJECTED, TLS_HANDSHAKE_FAILED, TIMEOUT, CLOSED
     */
    public static Transport tls(
            Transport plain, TlsOptions options, String serverName, List<String> alpnProtocols, long deadlineNanos)
            throws IOException {
        throw new UnsupportedOperationException("STUB");
    }

    /** Converts a timeout to a deadline, saturating instead of overflowing; {@code null} means none. */
    public static long deadline(Duration timeout) {
        if (timeout == null) {
            return Long.MAX_VALUE;
        }
        long now = System.nanoTime();
        long nanos;
        try {
            nanos = timeout.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
        long d = now + nanos;
        return ((now ^ d) & (nanos ^ d)) < 0 ? Long.MAX_VALUE : d;
    }
}

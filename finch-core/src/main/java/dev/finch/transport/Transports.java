package dev.finch.transport;

import dev.finch.http.TransportException;
import dev.finch.http.TransportException.Reason;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Opens transports. Every method blocks the calling thread until connected, failed, or past the deadline, and
 * returns a transport whose channel is in non-blocking mode. On every failure the socket is closed before the
 * exception is thrown. No method starts a thread.
 */
public final class Transports {
    private Transports() {}

    /**
     * Connects over TCP in the resolver's address order; see {@link #tcp(String, int, boolean, boolean, long)}.
     *
     * @throws dev.finch.http.TransportException as {@link #tcp(String, int, boolean, boolean, long)}
     */
    public static Transport tcp(String host, int port, boolean keepAlive, long deadlineNanos) throws IOException {
        return tcp(host, port, keepAlive, false, deadlineNanos);
    }

    /**
     * Connects over TCP with TCP_NODELAY (and SO_KEEPALIVE if asked), resolving {@code host} first, and tries every
     * resolved address until one connects.
     *
     * <p>The order is the resolver's ({@link InetAddress#getAllByName}: IPv4 first unless the JVM runs with {@code
     * java.net.preferIPv6Addresses=true}), or, with {@code preferIpv6}, the IPv6 addresses first and then the IPv4
     * ones, each family in the resolver's order (Mint's {@code inet6: true}: IPv6 with IPv4 fallback).
     *
     * <p>The attempts race as in RFC 8305 §5 (Happy Eyeballs): the first starts at once, each next one 250 ms (the
     * Connection Attempt Delay) after the one before, or at once when an attempt fails (refused, unreachable), even
     * while earlier ones are still connecting. An attempt still connecting stays open while later ones start, so an
     * address that answers late (its first SYN lost and retransmitted) still wins; the first attempt to connect is
     * returned and every other is closed. One deadline covers DNS and every attempt; at the deadline the attempts
     * still connecting time out. Attempts are non-blocking sockets waited on with one selector; no thread is started.
     *
     * <p>Name resolution uses {@link InetAddress#getAllByName}, which the JDK offers no way to bound: a slow resolver
     * can overrun the deadline, which is checked again once it returns.
     *
     * @param host a host name or an IP literal (IPv6 with or without brackets)
     * @param preferIpv6 whether to try the IPv6 addresses before the IPv4 ones
     * @param deadlineNanos a {@link System#nanoTime()} value bounding DNS and every TCP connect attempt together
     * @throws dev.finch.http.TransportException UNKNOWN_HOST; CONNECT_FAILED (every address refused or unreachable;
     *     the detail names each address and what went wrong, in the order they failed); TIMEOUT (the deadline passed:
     *     the attempts still connecting timed out). For both, the cause is the last failure and the earlier failures
     *     are suppressed exceptions, in order. INTERRUPTED (the thread's interrupt status stays set), IO_ERROR
     */
    public static Transport tcp(String host, int port, boolean keepAlive, boolean preferIpv6, long deadlineNanos)
            throws IOException {
        return tcp(host, port, keepAlive, preferIpv6, deadlineNanos, InetAddress::getAllByName);
    }

    /** Looks a host up; {@link InetAddress#getAllByName} outside tests. */
    @FunctionalInterface
    interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    static Transport tcp(
            String host, int port, boolean keepAlive, boolean preferIpv6, long deadlineNanos, Resolver resolver)
            throws IOException {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        List<InetAddress> addresses;
        try {
            addresses = order(resolver.resolve(host), preferIpv6);
        } catch (UnknownHostException e) {
            throw new TransportException(Reason.UNKNOWN_HOST, host, e);
        }
        if (addresses.isEmpty()) {
            throw new TransportException(Reason.UNKNOWN_HOST, host);
        }
        if (Thread.currentThread().isInterrupted()) {
            throw new TransportException(Reason.INTERRUPTED, "connecting to " + host);
        }
        return HappyEyeballs.connect(host, port, addresses, keepAlive, deadlineNanos);
    }

    /** The addresses to try, in order: IPv6 ones first if preferred, each family in the resolver's order. */
    static List<InetAddress> order(InetAddress[] resolved, boolean preferIpv6) {
        List<InetAddress> ordered = new ArrayList<>(resolved.length);
        if (preferIpv6) {
            for (InetAddress a : resolved) {
                if (a instanceof Inet6Address) {
                    ordered.add(a);
                }
            }
            for (InetAddress a : resolved) {
                if (!(a instanceof Inet6Address)) {
                    ordered.add(a);
                }
            }
        } else {
            ordered.addAll(List.of(resolved));
        }
        return ordered;
    }

    /**
     * Connects to the Unix domain socket at {@code path}.
     *
     * @throws dev.finch.http.TransportException CONNECT_FAILED (no such file, not a socket, refused; the detail names
     *     the path), TIMEOUT, INTERRUPTED, IO_ERROR (the platform has no Unix domain sockets)
     */
    public static Transport unix(Path path, long deadlineNanos) throws IOException {
        Objects.requireNonNull(path, "path");
        SocketChannel channel = openChannel(StandardProtocolFamily.UNIX, path.toString());
        SocketTransport transport = new SocketTransport(channel, path.toString());
        try {
            if (System.nanoTime() - deadlineNanos >= 0) {
                throw new TransportException(Reason.TIMEOUT, "connecting to " + path);
            }
            transport.connect(UnixDomainSocketAddress.of(path), deadlineNanos);
            return transport;
        } catch (SocketException e) {
            transport.close();
            throw new TransportException(Reason.CONNECT_FAILED, path + " (" + e.getMessage() + ")", e);
        } catch (IOException | RuntimeException e) {
            transport.close();
            throw Errors.fromIo(asIo(e), "connecting to " + path);
        }
    }

    /**
     * Runs a client TLS handshake over {@code plain} (which the returned transport then owns) and returns the
     * encrypted transport. The handshake is bounded by the deadline even if the server never answers.
     *
     * @param plain a connected transport: TCP, Unix, or TLS for TLS inside a TLS tunnel; closed on failure
     * @param serverName for SNI and host-name verification (an IP literal disables SNI and checks IP SANs)
     * @param alpnProtocols protocols to offer with ALPN, most preferred first; empty offers none. Offering {@code h2}
     *     leaves out the cipher suites HTTP/2 forbids.
     * @throws dev.finch.http.TransportException TLS_CERTIFICATE_REJECTED (the detail starts with the problem:
     *     "untrusted certificate chain", "certificate expired", "host name mismatch", ...), TLS_HANDSHAKE_FAILED,
     *     TIMEOUT, CLOSED (the peer closed during the handshake), BAD_ALPN_PROTOCOL, INTERRUPTED, IO_ERROR
     * @throws IllegalArgumentException if the options name a protocol or cipher suite the JDK does not know, or leave
     *     no cipher suite usable with {@code h2}; {@code plain} is closed
     * @throws IllegalStateException if the JDK cannot build the TLS context; {@code plain} is closed
     */
    public static Transport tls(
            Transport plain, TlsOptions options, String serverName, List<String> alpnProtocols, long deadlineNanos)
            throws IOException {
        Objects.requireNonNull(plain, "plain");
        TlsTransport tls;
        try {
            Objects.requireNonNull(options, "options");
            Objects.requireNonNull(serverName, "serverName");
            List<String> offered = List.copyOf(alpnProtocols);
            int port = plain instanceof SocketTransport s
                            && s.socketChannel().getRemoteAddress() instanceof InetSocketAddress a
                    ? a.getPort()
                    : -1;
            tls = new TlsTransport(plain, options.newEngine(serverName, port, offered), serverName);
            tls.handshake(offered, deadlineNanos);
            return tls;
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    /** Converts a timeout to a deadline, saturating instead of overflowing; {@code null} means none. */
    public static long deadline(Duration timeout) {
        if (timeout == null) {
            return Long.MAX_VALUE;
        }
        long nanos;
        try {
            nanos = timeout.toNanos();
        } catch (ArithmeticException e) {
            return timeout.isNegative() ? System.nanoTime() : Long.MAX_VALUE;
        }
        return deadlineAfter(nanos);
    }

    /** {@code System.nanoTime() + timeoutNanos}, saturating at {@link Long#MAX_VALUE} (no deadline). */
    static long deadlineAfter(long timeoutNanos) {
        if (timeoutNanos == Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        long now = System.nanoTime();
        long d = now + timeoutNanos;
        return ((now ^ d) & (timeoutNanos ^ d)) < 0 ? (timeoutNanos > 0 ? Long.MAX_VALUE : now) : d;
    }

    private static SocketChannel openChannel(StandardProtocolFamily family, String peer) throws TransportException {
        SocketChannel channel = null;
        try {
            channel = SocketChannel.open(family);
            channel.configureBlocking(false);
            return channel;
        } catch (IOException | UnsupportedOperationException e) {
            if (channel != null) {
                Buffers.closeQuietly(channel);
            }
            if (e instanceof ClosedByInterruptException) {
                throw new TransportException(Reason.INTERRUPTED, "connecting to " + peer, e);
            }
            throw new TransportException(Reason.IO_ERROR, "cannot open a socket for " + peer + ": " + e, e);
        }
    }

    private static IOException asIo(Exception e) {
        if (e instanceof IOException io) {
            return io;
        }
        if (e instanceof RuntimeException re) {
            throw re;
        }
        throw new IllegalStateException(e);
    }
}

package dev.finch.transport;

import dev.finch.http.TransportException;
import dev.finch.http.TransportException.Reason;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Connects to one of several addresses of a host the way RFC 8305 §5 ("Happy Eyeballs") races them: the attempts
 * start in order, the next one after {@link #CONNECTION_ATTEMPT_DELAY_NANOS} or at once when an attempt fails (as
 * browsers and curl do: a refused or unreachable address is no reason to wait); an attempt that is still connecting
 * stays open when the next starts. The first to connect wins and
 * every other is closed. One deadline bounds them all. No thread: the attempts are non-blocking channels waited on
 * with one {@link Selector}, which lives only for the call.
 */
final class HappyEyeballs {
    /** RFC 8305 §5's recommended Connection Attempt Delay: 250 ms. */
    static final long CONNECTION_ATTEMPT_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final String host;
    private final int port;
    private final List<InetAddress> addresses;
    private final boolean keepAlive;
    private final long deadlineNanos;

    // Attempts still connecting, in the order they started; each has its key registered with the selector.
    private final List<SelectionKey> connecting = new ArrayList<>();
    // Failed attempts in the order they failed: the detail's text and the exception.
    private final List<String> failures = new ArrayList<>();
    private final List<IOException> errors = new ArrayList<>();
    // When the next address starts: the Connection Attempt Delay after the last start, or the moment an attempt failed.
    private long nextStart;

    private HappyEyeballs(String host, int port, List<InetAddress> addresses, boolean keepAlive, long deadlineNanos) {
        this.host = host;
        this.port = port;
        this.addresses = addresses;
        this.keepAlive = keepAlive;
        this.deadlineNanos = deadlineNanos;
    }

    /**
     * Connects to the first of {@code addresses} (in this order of starting) that accepts.
     *
     * @throws TransportException as {@link Transports#tcp(String, int, boolean, boolean, long)}
     */
    static Transport connect(String host, int port, List<InetAddress> addresses, boolean keepAlive, long deadlineNanos)
            throws IOException {
        return new HappyEyeballs(host, port, addresses, keepAlive, deadlineNanos).race();
    }

    private Transport race() throws IOException {
        Selector selector;
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new TransportException(Reason.IO_ERROR, "cannot open a selector to connect to " + host, e);
        }
        SocketChannel winner = null;
        try {
            winner = run(selector);
            return new SocketTransport(winner, peerOf(winner));
        } finally {
            // The selector first, so that closing the losers releases their descriptors at once (see
            // SocketTransport#close); the winner is only deregistered from it.
            Buffers.closeQuietly(selector);
            for (SelectionKey key : connecting) {
                if (key.channel() != winner) {
                    Buffers.closeQuietly(key.channel());
                }
            }
        }
    }

    /** Starts and waits for attempts until one connects; returns its channel or throws. */
    private SocketChannel run(Selector selector) throws IOException {
        int next = 0;
        nextStart = System.nanoTime();
        while (true) {
            long now = System.nanoTime();
            if (now - deadlineNanos >= 0) {
                break;
            }
            if (next < addresses.size() && now - nextStart >= 0) {
                nextStart = now + CONNECTION_ATTEMPT_DELAY_NANOS; // failed() moves it back to now
                SocketChannel connected = start(selector, addresses.get(next++));
                if (connected != null) {
                    return connected;
                }
                continue;
            }
            if (connecting.isEmpty()) {
                break; // every address failed
            }
            long until = next < addresses.size() && nextStart - deadlineNanos < 0 ? nextStart : deadlineNanos;
            select(selector, until - now, until == Long.MAX_VALUE);
            if (Thread.currentThread().isInterrupted()) {
                // Keep the interrupt status for the caller, as ClosedByInterruptException does.
                throw failure(new TransportException(Reason.INTERRUPTED, "connecting to " + host));
            }
            for (SelectionKey key : selector.selectedKeys()) {
                SocketChannel connected = finish(key);
                if (connected != null) {
                    return connected;
                }
            }
            selector.selectedKeys().clear();
        }
        // Out of time or out of addresses. Attempts still connecting time out, in the order they started.
        for (SelectionKey key : connecting) {
            String peer = peerOf(key);
            failed(peer, new TransportException(Reason.TIMEOUT, "connecting to " + peer));
            Buffers.closeQuietly(key.channel());
        }
        connecting.clear();
        IOException last = errors.isEmpty() ? null : errors.get(errors.size() - 1);
        boolean timedOut = last == null || isTimeout(last);
        TransportException e =
                new TransportException(timedOut ? Reason.TIMEOUT : Reason.CONNECT_FAILED, detail(), last);
        for (int i = 0; i < errors.size() - 1; i++) {
            e.addSuppressed(errors.get(i));
        }
        throw e;
    }

    /**
     * Opens a channel to {@code address} and starts connecting. Returns the channel if it connected at once, or
     * {@code null}: it is connecting (registered with the selector) or it failed (recorded, closed).
     */
    private SocketChannel start(Selector selector, InetAddress address) throws IOException {
        InetSocketAddress target = new InetSocketAddress(address, port);
        SocketChannel channel;
        try {
            channel = SocketChannel.open(
                    address instanceof Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
        } catch (IOException | UnsupportedOperationException e) {
            if (e instanceof ClosedByInterruptException) {
                throw failure(new TransportException(Reason.INTERRUPTED, "connecting to " + target, e));
            }
            // No socket of that family (an IPv6 address on a host without IPv6): the next address may do.
            failed(
                    target.toString(),
                    new TransportException(Reason.IO_ERROR, "cannot open a socket for " + target + ": " + e, e));
            return null;
        }
        try {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (keepAlive) {
                channel.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            }
            if (channel.connect(target)) {
                return channel;
            }
            connecting.add(channel.register(selector, SelectionKey.OP_CONNECT, target));
            return null;
        } catch (SocketException e) {
            // Refused, no route, network unreachable: reported as it is, and the next address is tried.
            Buffers.closeQuietly(channel);
            failed(target.toString(), e);
            return null;
        } catch (IOException e) {
            Buffers.closeQuietly(channel);
            TransportException te = Errors.fromIo(e, "connecting to " + target);
            if (te.reason() == Reason.INTERRUPTED) {
                throw failure(te);
            }
            failed(target.toString(), te);
            return null;
        } catch (RuntimeException e) {
            Buffers.closeQuietly(channel);
            throw e;
        }
    }

    /** Finishes the connect of a selected attempt: its channel if connected, else {@code null} (failed or not yet). */
    private SocketChannel finish(SelectionKey key) throws IOException {
        SocketChannel channel = (SocketChannel) key.channel();
        try {
            if (!channel.finishConnect()) {
                return null; // a stale selection: still connecting
            }
            return channel;
        } catch (IOException e) {
            connecting.remove(key);
            key.cancel();
            Buffers.closeQuietly(channel);
            String peer = peerOf(key);
            if (e instanceof SocketException) {
                failed(peer, e);
                return null;
            }
            TransportException te = Errors.fromIo(e, "connecting to " + peer);
            if (te.reason() == Reason.INTERRUPTED) {
                throw failure(te);
            }
            failed(peer, te);
            return null;
        }
    }

    private static void select(Selector selector, long nanos, boolean forever) throws IOException {
        try {
            if (forever) {
                selector.select();
            } else {
                selector.select(Math.max(1, (nanos + 999_999) / 1_000_000));
            }
        } catch (IOException e) {
            throw new TransportException(Reason.IO_ERROR, "waiting to connect: " + e, e);
        }
    }

    /** Records a failed attempt; the next address starts at once. */
    private void failed(String peer, IOException e) {
        failures.add(peer + " (" + describe(e) + ")");
        errors.add(e);
        nextStart = System.nanoTime();
    }

    /** {@code e} with the failures so far suppressed, for an error that ends the race early. */
    private TransportException failure(TransportException e) {
        errors.forEach(e::addSuppressed);
        return e;
    }

    private String detail() {
        return failures.isEmpty() ? host + ":" + port : host + ":" + port + " via " + String.join(", ", failures);
    }

    private static String peerOf(SelectionKey key) {
        return String.valueOf(key.attachment());
    }

    private static String peerOf(SocketChannel channel) {
        try {
            return String.valueOf(channel.getRemoteAddress());
        } catch (IOException e) {
            return String.valueOf(channel);
        }
    }

    private static boolean isTimeout(IOException e) {
        return e instanceof TransportException te && te.reason() == Reason.TIMEOUT;
    }

    private static String describe(IOException e) {
        if (e instanceof TransportException te) {
            return te.reason() == Reason.TIMEOUT ? "timed out" : te.getMessage();
        }
        return e.getMessage();
    }
}

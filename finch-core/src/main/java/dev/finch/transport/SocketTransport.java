package dev.finch.transport;

import dev.finch.http.TransportException;
import dev.finch.http.TransportException.Reason;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLSession;

/**
 * A plain {@link SocketChannel} (TCP or Unix domain) in non-blocking mode.
 *
 * <p>Passive waits ({@link #awaitReadable}, the waits inside {@link #writeFully} and the connect) use a private
 * {@link Selector}, opened on the first wait and closed with the transport. That costs one epoll instance (and its
 * wake-up descriptor) per connection, but it works the same for TCP, Unix sockets and TLS (which waits through this
 * class), needs no thread and no lock, and leaves the channel free to be registered with the owner's selector as
 * well: a channel may be registered with several selectors at once.
 *
 * <p>Reads and writes go straight to the channel: nothing is buffered here, so {@link #hasPendingWrites()} and
 * {@link #hasBufferedInput()} are always {@code false}. A failure other than {@code TIMEOUT} closes the transport.
 */
final class SocketTransport implements Transport {
    private final SocketChannel channel;
    private final String peer;
    /** The private selector of passive waits; volatile because {@link #abort()} wakes it from another thread. */
    private volatile Selector selector;

    /** Set by {@link #abort()} from any thread. */
    private volatile boolean aborted;

    private SelectionKey key;
    private boolean closed;

    /**
     * @param channel a channel in non-blocking mode, connected or with a connect in progress; owned from now on
     * @param peer how to name the peer in error details (an address or a socket path)
     */
    SocketTransport(SocketChannel channel, String peer) {
        this.channel = channel;
        this.peer = peer;
    }

    /**
     * Finishes a non-blocking connect to {@code address}, waiting until the deadline. Does not close the transport
     * on failure; the caller does, so that it can try the next address.
     *
     * @throws IOException what {@link SocketChannel#connect} or {@link SocketChannel#finishConnect} threw
     * @throws TransportException TIMEOUT or INTERRUPTED
     */
    void connect(SocketAddress address, long deadlineNanos) throws IOException {
        if (channel.connect(address)) {
            return;
        }
        // Each round either completes the connect or waits (bounded by the deadline); select may wake early.
        while (!channel.finishConnect()) {
            if (!await(SelectionKey.OP_CONNECT, deadlineNanos)) {
                throw new TransportException(Reason.TIMEOUT, "connecting to " + peer);
            }
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        ensureOpen();
        try {
            return channel.read(dst);
        } catch (IOException e) {
            throw fail(e, "reading from ");
        }
    }

    @Override
    public long write(ByteBuffer[] srcs) throws IOException {
        ensureOpen();
        try {
            return channel.write(srcs);
        } catch (IOException e) {
            throw fail(e, "writing to ");
        }
    }

    @Override
    public void writeFully(ByteBuffer[] srcs, long deadlineNanos) throws IOException {
        ensureOpen();
        // Each round writes at least one byte or waits for writability (bounded by the deadline).
        while (Buffers.hasRemaining(srcs)) {
            long n;
            try {
                n = channel.write(srcs);
            } catch (IOException e) {
                throw fail(e, "writing to ");
            }
            if (n == 0 && !await(SelectionKey.OP_WRITE, deadlineNanos)) {
                throw new TransportException(Reason.TIMEOUT, "writing to " + peer);
            }
        }
    }

    @Override
    public boolean flush() throws IOException {
        ensureOpen();
        return true;
    }

    @Override
    public boolean hasPendingWrites() {
        return false;
    }

    @Override
    public boolean hasBufferedInput() {
        return false;
    }

    @Override
    public boolean awaitReadable(long timeoutNanos) throws IOException {
        ensureOpen();
        return await(SelectionKey.OP_READ, Transports.deadlineAfter(timeoutNanos));
    }

    /**
     * Waits on the private selector until the channel is ready for {@code ops} or the deadline passes.
     *
     * @return whether the channel is ready
     * @throws TransportException INTERRUPTED (the transport is then closed), IO_ERROR
     */
    boolean await(int ops, long deadlineNanos) throws IOException {
        try {
            if (selector == null) {
                selector = Selector.open();
                key = channel.register(selector, ops);
            } else {
                key.interestOps(ops);
            }
            // Select can return early (spurious wake-up, or a stale selection); loop until ready or past deadline.
            while (true) {
                if (aborted) {
                    throw new TransportException(Reason.CLOSED, "transport to " + peer + " was aborted");
                }
                if (Thread.currentThread().isInterrupted()) {
                    // Keep the interrupt status for the caller, as ClosedByInterruptException does.
                    close();
                    throw new TransportException(Reason.INTERRUPTED, "waiting for " + peer);
                }
                long remaining = deadlineNanos - System.nanoTime();
                int n;
                if (remaining <= 0) {
                    n = selector.selectNow();
                } else if (deadlineNanos == Long.MAX_VALUE) {
                    n = selector.select();
                } else {
                    n = selector.select(Math.max(1, (remaining + 999_999) / 1_000_000));
                }
                if (n > 0) {
                    // Only our key is registered with this selector.
                    selector.selectedKeys().clear();
                    return true;
                }
                if (remaining <= 0) {
                    return false;
                }
            }
        } catch (TransportException e) {
            throw e;
        } catch (IOException e) {
            throw fail(e, "waiting for ");
        }
    }

    @Override
    public SelectableChannel channel() {
        return channel;
    }

    /** The socket channel, for tests and the TLS layer. */
    SocketChannel socketChannel() {
        return channel;
    }

    /** How error details name the peer. */
    String peer() {
        return peer;
    }

    @Override
    public String applicationProtocol() {
        return null;
    }

    @Override
    public SSLSession sslSession() {
        return null;
    }

    @Override
    public boolean isOpen() {
        return !closed && channel.isOpen();
    }

    @Override
    public void abort() {
        aborted = true;
        Buffers.closeQuietly(channel);
        Selector s = selector;
        if (s != null) {
            s.wakeup();
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Close the selector first: a channel still registered with a selector keeps its file descriptor until the
        // next select; once deregistered, closing the channel releases it at once. (A selector of the owner still
        // holding the channel defers the release to that selector's next select.)
        if (selector != null) {
            Buffers.closeQuietly(selector);
        }
        Buffers.closeQuietly(channel);
    }

    @Override
    public String toString() {
        return "SocketTransport[" + peer + (isOpen() ? "" : ", closed") + "]";
    }

    private void ensureOpen() throws TransportException {
        if (aborted) {
            throw new TransportException(Reason.CLOSED, "transport to " + peer + " was aborted");
        }
        if (closed || !channel.isOpen()) {
            throw new TransportException(Reason.CLOSED, "transport to " + peer + " is closed");
        }
    }

    /** Maps an I/O failure, closes the transport, and returns the exception to throw. */
    private TransportException fail(IOException e, String doing) {
        close();
        return Errors.fromIo(e, doing + peer);
    }
}

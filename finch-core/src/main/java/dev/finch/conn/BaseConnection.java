package dev.finch.conn;

import dev.finch.http.HttpHeaders;
import dev.finch.http.TransportException;
import dev.finch.transport.Transport;
import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLSession;

/**
 * What every protocol's connection shares: the transport, the owner check, private data and the selection key of
 * active mode. Package-private; the protocol classes hold the protocol state.
 */
abstract class BaseConnection implements HttpConnection {
    final Transport transport;
    /** Volatile so that a pool parking it on one thread and claiming it on another sees the hand-over. */
    private volatile Thread owner = Thread.currentThread();

    private Map<String, Object> privates;
    /** The header fields of the proxy's 2xx answer to CONNECT; set once by {@link Connections}. */
    HttpHeaders proxyResponseHeaders = HttpHeaders.EMPTY;
    /** Non-null in active mode. */
    SelectionKey key;

    /**
     * The key of the last registration, kept after the connection closes: the selector will not select a cancelled
     * key again, but an owner still holding it can call {@code stream(key)} to collect the Error parts of a failure.
     */
    private SelectionKey lastKey;

    BaseConnection(Transport transport) {
        this.transport = transport;
    }

    /**
     * Fails loudly when a thread other than the owner drives the connection (the object is thread-confined and
     * changes in place), or when it is parked and nobody has claimed it.
     */
    final void checkOwner() {
        Thread o = owner;
        if (o != Thread.currentThread()) {
            throw new IllegalStateException(
                    o == null
                            ? "connection is parked; claim it first with transferOwnership(Thread.currentThread())"
                            : "connection is owned by thread " + o.getName() + ", not "
                                    + Thread.currentThread().getName() + "; hand it over with transferOwnership first");
        }
    }

    /**
     * Like {@link #checkOwner()}, but also lets any thread act when the owner thread has died, so that a pool can
     * still release a connection whose borrower is gone.
     */
    final void checkOwnerOrAbandoned() {
        Thread o = owner;
        if (o != null && o.isAlive()) {
            checkOwner();
        }
    }

    @Override
    public final HttpHeaders proxyResponseHeaders() {
        return proxyResponseHeaders;
    }

    @Override
    public final Thread owner() {
        return owner;
    }

    @Override
    public final void transferOwnership(Thread newOwner) {
        if (owner != null) {
            checkOwner();
        }
        owner = newOwner;
    }

    @Override
    public final void putPrivate(String name, Object value) {
        checkOwner();
        if (value == null) {
            if (privates != null) {
                privates.remove(name);
            }
            return;
        }
        if (privates == null) {
            privates = new HashMap<>(4);
        }
        privates.put(name, value);
    }

    @Override
    public final Object getPrivate(String name) {
        checkOwner();
        return privates == null ? null : privates.get(name);
    }

    @Override
    public final void abort() {
        // No owner check: this is how another thread stops a connection whose owner is blocked in it.
        transport.abort();
    }

    @Override
    public final SSLSession sslSession() {
        return transport.sslSession();
    }

    @Override
    public final SelectionKey register(Selector selector) throws IOException {
        checkOwner();
        if (!transport.isOpen()) {
            throw new TransportException(TransportException.Reason.CLOSED, "cannot register a closed connection");
        }
        if (key != null) {
            if (key.selector() == selector && key.isValid()) {
                return key;
            }
            throw new IllegalStateException("already registered with another selector; deregister first");
        }
        try {
            key = transport.channel().register(selector, interestOps());
        } catch (CancelledKeyException e) {
            // Registered here before and deregistered since: the cancelled key leaves the selector at its next
            // selection operation. The caller owns the selector and is on its thread, so run one now.
            selector.selectNow();
            key = transport.channel().register(selector, interestOps());
        }
        lastKey = key;
        return key;
    }

    @Override
    public final void deregister() throws IOException {
        checkOwner();
        if (key != null) {
            key.cancel();
            key = null;
            lastKey = null;
            flushBlocking();
        }
    }

    /** Whether {@code k} is this connection's key (Mint's stream/2 answering :unknown otherwise). */
    final boolean owns(SelectionKey k) {
        return k != null && (k == key || k == lastKey);
    }

    /** Cancels the selection key (the connection is closing); {@link #owns} still recognises it. */
    final void releaseKey() {
        if (key != null) {
            key.cancel();
            key = null;
        }
    }

    /** Updates the key's interest to match pending output; a no-op in passive mode. */
    final void updateInterest() {
        if (key != null && key.isValid()) {
            int ops = interestOps();
            if (key.interestOps() != ops) {
                key.interestOps(ops);
            }
        }
    }

    /**
     * OP_WRITE while output is pending, and also while the transport holds input it has already taken from the socket
     * (TLS records left when a call spent its read budget): the selector cannot see that input, but a writable socket
     * has it select the key again at once, and {@code stream} then reads it.
     */
    private int interestOps() {
        boolean write = hasPendingOutput() || (transport.isOpen() && transport.hasBufferedInput());
        return SelectionKey.OP_READ | (write ? SelectionKey.OP_WRITE : 0);
    }

    /** Whether bytes wait to be written (active mode queues what the socket did not take). */
    abstract boolean hasPendingOutput();

    /** Writes queued output, blocking up to the send timeout; called when leaving active mode. */
    abstract void flushBlocking() throws IOException;

    /** Throws unless in passive mode. */
    final void checkPassive() {
        if (key != null) {
            throw new IllegalStateException("connection is in active mode: use stream(key), or deregister() first");
        }
    }
}

package dev.finch.conn;

import dev.finch.http.TransportException;
import dev.finch.transport.Transport;
import java.io.IOException;
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
    private Thread owner = Thread.currentThread();
    private Map<String, Object> privates;
    /** Non-null in active mode. */
    SelectionKey key;

    BaseConnection(Transport transport) {
        this.transport = transport;
    }

    /**
     * Fails loudly when a thread other than the owner drives the connection (the object is thread-confined and
     * changes in place). A parked connection (no owner) may be driven by whoever holds it.
     */
    final void checkOwner() {
        Thread o = owner;
        if (o != null && o != Thread.currentThread()) {
            throw new IllegalStateException("connection is owned by thread " + o.getName() + ", not "
                    + Thread.currentThread().getName() + "; hand it over with transferOwnership first");
        }
    }

    @Override
    public final Thread owner() {
        return owner;
    }

    @Override
    public final void transferOwnership(Thread newOwner) {
        checkOwner();
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
        key = transport.channel().register(selector, interestOps());
        return key;
    }

    @Override
    public final void deregister() throws IOException {
        checkOwner();
        if (key != null) {
            key.cancel();
            key = null;
            flushBlocking();
        }
    }

    /** Whether {@code k} is this connection's key (Mint's stream/2 answering :unknown otherwise). */
    final boolean owns(SelectionKey k) {
        return k != null && k == key;
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

    private int interestOps() {
        return SelectionKey.OP_READ | (hasPendingOutput() ? SelectionKey.OP_WRITE : 0);
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

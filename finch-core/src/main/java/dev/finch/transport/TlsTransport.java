package dev.finch.transport;

import dev.finch.http.TransportException;
import dev.finch.http.TransportException.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * TLS over another {@link Transport}, driven by a client {@link SSLEngine}. The inner transport is owned by this one
 * and may itself be TLS (a tunnel through an https proxy); all waiting goes through the innermost socket transport's
 * private selector, so a connection has one selector however deep the nesting.
 *
 * <p>Buffers, all in read mode between calls (pending bytes between position and limit), allocated once and grown
 * only if the session asks for larger records:
 *
 * <ul>
 *   <li>{@code netIn}: ciphertext read from the inner transport but not yet decrypted (a partial record, or records
 *       that did not fit the caller's buffer);
 *   <li>{@code appIn}: decrypted application data not yet returned by {@link #read};
 *   <li>{@code netOut}: ciphertext not yet taken by the inner transport (application records, and post-handshake
 *       messages such as the answer to a TLS 1.3 KeyUpdate, see {@link #hasPendingWrites()}).
 * </ul>
 *
 * <p>Delegated engine tasks run on the calling thread: this class starts no thread.
 */
final class TlsTransport implements Transport {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** The TLS record header: type (1), version (2), length (2); RFC 8446 section 5.1. */
    private static final int RECORD_HEADER = 5;

    private final Transport inner;
    private final SSLEngine engine;
    private final String serverName;
    private final ByteBuffer[] netOutArray = new ByteBuffer[1];
    private ByteBuffer netIn;
    private ByteBuffer netOut;
    private ByteBuffer appIn;
    private String applicationProtocol;
    /** A close_notify or end of stream was read: {@link #read} answers -1 once {@code appIn} is drained. */
    private boolean inputDone;

    private boolean closed;

    TlsTransport(Transport inner, SSLEngine engine, String serverName) {
        this.inner = inner;
        this.engine = engine;
        this.serverName = serverName;
        SSLSession session = engine.getSession();
        this.netIn = ByteBuffer.allocate(session.getPacketBufferSize()).flip();
        this.appIn = ByteBuffer.allocate(session.getApplicationBufferSize()).flip();
        setNetOut(ByteBuffer.allocate(session.getPacketBufferSize()).flip());
    }

    /**
     * Runs the handshake until it completes or the deadline passes. On any failure the transport (and the inner one)
     * is closed before the exception is thrown.
     *
     * @param offered the ALPN protocols offered, to check the server's choice against
     */
    void handshake(List<String> offered, long deadlineNanos) throws IOException {
        try {
            engine.beginHandshake();
            // Every round runs a task, wraps or unwraps a record, or waits for the peer (bounded by the deadline).
            while (true) {
                // Handshake messages are small: send each flight completely before waiting for the answer.
                if (hasPendingWrites()) {
                    inner.writeFully(netOutArray, deadlineNanos);
                }
                HandshakeStatus hs = engine.getHandshakeStatus();
                if (hs == HandshakeStatus.FINISHED || hs == HandshakeStatus.NOT_HANDSHAKING) {
                    break;
                }
                if (System.nanoTime() - deadlineNanos >= 0) {
                    throw new TransportException(Reason.TIMEOUT, "TLS handshake with " + serverName);
                }
                switch (hs) {
                    case NEED_TASK -> runTasks();
                    case NEED_WRAP -> {
                        if (wrap(EMPTY) == SSLEngineResult.Status.CLOSED && !netOut.hasRemaining()) {
                            throw new TransportException(
                                    Reason.TLS_HANDSHAKE_FAILED, serverName + ": engine closed during the handshake");
                        }
                    }
                    default -> unwrapOrWait(deadlineNanos, "during the TLS handshake with ");
                }
            }
        } catch (SSLException e) {
            sendAlertAndClose();
            throw Errors.fromHandshake(e, serverName);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        String chosen = engine.getApplicationProtocol();
        applicationProtocol = chosen == null || chosen.isEmpty() ? null : chosen;
        if (applicationProtocol != null && !offered.contains(applicationProtocol)) {
            close();
            throw new TransportException(
                    Reason.BAD_ALPN_PROTOCOL,
                    serverName + " chose \"" + applicationProtocol + "\", offered " + offered);
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        ensureOpen();
        if (!dst.hasRemaining()) {
            return 0;
        }
        int total = 0;
        boolean direct = true;
        try {
            // Every round returns, decrypts one record, or reads the inner transport once (a read of 0 returns).
            while (true) {
                if (appIn.hasRemaining()) {
                    total += Buffers.copy(appIn, dst);
                    if (!dst.hasRemaining()) {
                        return total;
                    }
                }
                if (inputDone) {
                    return total > 0 ? total : -1;
                }
                SSLEngineResult r;
                if (direct && dst.remaining() >= engine.getSession().getApplicationBufferSize()) {
                    // Room for a whole record: decrypt straight into the caller's buffer, saving a copy.
                    r = engine.unwrap(netIn, dst);
                    total += r.bytesProduced();
                } else {
                    r = unwrapToAppIn();
                }
                switch (r.getStatus()) {
                    case OK -> afterEngineCall(r.getHandshakeStatus());
                    case CLOSED -> {
                        inputDone = true;
                        answerCloseNotify(r.getHandshakeStatus());
                    }
                    case BUFFER_OVERFLOW -> {
                        direct = false; // the record needs more room than dst has: go through appIn
                        growAppIn();
                    }
                    case BUFFER_UNDERFLOW -> {
                        if (total > 0) {
                            return total; // do not touch the socket while holding data for the caller
                        }
                        int n = readNet();
                        if (n == 0) {
                            return 0;
                        }
                        if (n < 0) {
                            endOfInput();
                        }
                    }
                }
            }
        } catch (SSLException e) {
            close();
            throw tlsError(e);
        }
    }

    @Override
    public long write(ByteBuffer[] srcs) throws IOException {
        ensureOpen();
        try {
            if (!flushNet()) {
                return 0;
            }
            long consumed = 0;
            // Every round encrypts at least one byte into a record, or stops.
            while (Buffers.hasRemaining(srcs)) {
                SSLEngineResult r = wrapRecord(srcs);
                consumed += r.bytesConsumed();
                if (!flushNet() || (r.bytesConsumed() == 0 && r.bytesProduced() == 0)) {
                    // The socket is full, or the engine waits for the peer (TLS 1.2 renegotiation).
                    break;
                }
            }
            return consumed;
        } catch (SSLException e) {
            close();
            throw tlsError(e);
        }
    }

    @Override
    public void writeFully(ByteBuffer[] srcs, long deadlineNanos) throws IOException {
        ensureOpen();
        try {
            // Every round sends one record (waiting for the socket until the deadline), or drives a handshake the
            // engine must finish before it encrypts more (bounded by the deadline).
            while (true) {
                if (netOut.hasRemaining() || inner.hasPendingWrites()) {
                    inner.writeFully(netOutArray, deadlineNanos);
                }
                if (!Buffers.hasRemaining(srcs)) {
                    return;
                }
                SSLEngineResult r = wrapRecord(srcs);
                if (r.bytesConsumed() == 0 && r.bytesProduced() == 0) {
                    if (engine.getHandshakeStatus() != HandshakeStatus.NEED_UNWRAP) {
                        throw new TransportException(
                                Reason.IO_ERROR, "TLS engine for " + serverName + " made no progress writing");
                    }
                    // A TLS 1.2 renegotiation: the peer must answer before we may encrypt more. Application data
                    // arriving meanwhile stays in appIn for the next read.
                    unwrapOrWait(deadlineNanos, "while writing to ");
                }
            }
        } catch (SSLException e) {
            close();
            throw tlsError(e);
        }
    }

    @Override
    public boolean flush() throws IOException {
        ensureOpen();
        return flushNet();
    }

    @Override
    public boolean hasPendingWrites() {
        return netOut.hasRemaining() || inner.hasPendingWrites();
    }

    @Override
    public boolean hasBufferedInput() {
        return appIn.hasRemaining() || inputDone || hasCompleteRecord() || inner.hasBufferedInput();
    }

    @Override
    public boolean awaitReadable(long timeoutNanos) throws IOException {
        ensureOpen();
        // The inner transport may report readable with only part of a record; read() then answers 0 and the
        // owner waits again, which is allowed ("may now return data").
        return hasBufferedInput() || inner.awaitReadable(timeoutNanos);
    }

    @Override
    public SelectableChannel channel() {
        return inner.channel();
    }

    @Override
    public String applicationProtocol() {
        return applicationProtocol;
    }

    @Override
    public SSLSession sslSession() {
        return engine.getSession();
    }

    @Override
    public boolean isOpen() {
        return !closed && inner.isOpen();
    }

    /** Sends close_notify if the socket takes it now (never waits), then closes the inner transport. */
    @Override
    public void abort() {
        inner.abort();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (inner.isOpen()) {
            try {
                engine.closeOutbound();
                wrap(EMPTY);
                inner.write(netOutArray);
            } catch (IOException | RuntimeException ignored) {
                // Best effort: the peer learns of the close from the TCP FIN anyway.
            }
        }
        inner.close();
    }

    @Override
    public String toString() {
        return "TlsTransport[" + serverName + " over " + inner + "]";
    }

    /** The transport this one encrypts over, for tests. */
    Transport inner() {
        return inner;
    }

    private void ensureOpen() throws TransportException {
        if (closed) {
            throw new TransportException(Reason.CLOSED, "TLS transport to " + serverName + " is closed");
        }
    }

    /**
     * Unwraps one record into {@code appIn}; on underflow reads the inner transport, waiting for it until the
     * deadline. Used where the engine must hear from the peer before anything else can happen.
     */
    private void unwrapOrWait(long deadlineNanos, String doing) throws IOException {
        SSLEngineResult r = unwrapToAppIn();
        switch (r.getStatus()) {
            case OK -> afterEngineCall(r.getHandshakeStatus());
            case BUFFER_OVERFLOW -> growAppIn();
            case CLOSED -> throw new TransportException(
                    Reason.CLOSED, "the peer closed the TLS session " + doing + serverName);
            case BUFFER_UNDERFLOW -> {
                int n = readNet();
                if (n < 0) {
                    throw new TransportException(Reason.CLOSED, "the peer closed the connection " + doing + serverName);
                }
                if (n == 0 && !inner.awaitReadable(Math.max(0, deadlineNanos - System.nanoTime()))) {
                    throw new TransportException(Reason.TIMEOUT, doing.trim() + " " + serverName);
                }
            }
        }
    }

    /** Runs what a post-handshake message (NewSessionTicket, KeyUpdate, renegotiation) asks for, without waiting. */
    private void afterEngineCall(HandshakeStatus hs) throws IOException {
        // Every round runs tasks or produces a record; the engine leaves NEED_WRAP once it has nothing to send.
        while (true) {
            if (hs == HandshakeStatus.NEED_TASK) {
                runTasks();
                hs = engine.getHandshakeStatus();
            } else if (hs == HandshakeStatus.NEED_WRAP) {
                int before = netOut.remaining();
                if (wrap(EMPTY) == SSLEngineResult.Status.CLOSED || netOut.remaining() == before) {
                    flushNet();
                    return;
                }
                flushNet();
                hs = engine.getHandshakeStatus();
            } else {
                return;
            }
        }
    }

    /** TLS 1.2 answers a close_notify with its own; best effort, the end of stream is reported either way. */
    private void answerCloseNotify(HandshakeStatus hs) {
        try {
            afterEngineCall(hs);
        } catch (IOException | RuntimeException ignored) {
            // The peer is going away; a failed reply changes nothing for the reader.
        }
    }

    private void runTasks() {
        for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
            task.run();
        }
    }

    /** Unwraps from {@code netIn}, appending to {@code appIn}. */
    private SSLEngineResult unwrapToAppIn() throws SSLException {
        appIn.compact();
        try {
            return engine.unwrap(netIn, appIn);
        } finally {
            appIn.flip();
        }
    }

    /** Wraps {@code src} (empty for handshake and close messages) into {@code netOut}, growing it if needed. */
    private SSLEngineResult.Status wrap(ByteBuffer src) throws SSLException {
        SSLEngineResult r = wrapInto(src, null);
        return r.getStatus();
    }

    /** Wraps at most one record of {@code srcs} into {@code netOut}; throws CLOSED if the engine is closed. */
    private SSLEngineResult wrapRecord(ByteBuffer[] srcs) throws IOException {
        SSLEngineResult r = wrapInto(null, srcs);
        if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
            throw new TransportException(Reason.CLOSED, "TLS session with " + serverName + " is closed for writing");
        }
        if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
            runTasks();
        }
        return r;
    }

    private SSLEngineResult wrapInto(ByteBuffer src, ByteBuffer[] srcs) throws SSLException {
        // At most two rounds: an overflow grows netOut to what the session says a record needs.
        while (true) {
            netOut.compact();
            SSLEngineResult r;
            try {
                r = srcs == null ? engine.wrap(src, netOut) : engine.wrap(srcs, netOut);
            } finally {
                netOut.flip();
            }
            if (r.getStatus() != SSLEngineResult.Status.BUFFER_OVERFLOW) {
                return r;
            }
            setNetOut(Buffers.ensureCapacity(
                    netOut, netOut.remaining() + engine.getSession().getPacketBufferSize()));
        }
    }

    /** Writes {@code netOut} without waiting; returns whether nothing is left in it or below it. */
    private boolean flushNet() throws IOException {
        if (netOut.hasRemaining()) {
            inner.write(netOutArray);
            if (netOut.hasRemaining()) {
                return false;
            }
        }
        return !inner.hasPendingWrites() || inner.flush();
    }

    /** Reads the inner transport into {@code netIn} (growing it if a record does not fit); returns the count. */
    private int readNet() throws IOException {
        if (netIn.remaining() == netIn.capacity()) {
            netIn = Buffers.ensureCapacity(
                    netIn, netIn.capacity() + engine.getSession().getPacketBufferSize());
        }
        netIn.compact();
        try {
            return inner.read(netIn);
        } finally {
            netIn.flip();
        }
    }

    /** End of stream arrived without close_notify. */
    private boolean truncated;

    private void growAppIn() {
        appIn = Buffers.ensureCapacity(
                appIn, appIn.remaining() + engine.getSession().getApplicationBufferSize());
    }

    /** The inner transport reached end of stream; a missing close_notify is tolerated (see {@link #read}). */
    private void endOfInput() {
        inputDone = true;
        try {
            engine.closeInbound();
        } catch (SSLException e) {
            // No close_notify before the FIN ("possible truncation attack"). Many servers omit close_notify, and
            // HTTP detects truncated bodies by their framing, so this is a plain end of stream; but a body that runs
            // until close is only complete after a close_notify (RFC 9112 §9.8), which endedCleanly() tells.
            truncated = true;
        }
    }

    @Override
    public boolean endedCleanly() {
        return !truncated;
    }

    private boolean hasCompleteRecord() {
        int p = netIn.position();
        if (netIn.remaining() < RECORD_HEADER) {
            return false;
        }
        int length = ((netIn.get(p + 3) & 0xff) << 8) | (netIn.get(p + 4) & 0xff);
        return netIn.remaining() >= RECORD_HEADER + length;
    }

    private void sendAlertAndClose() {
        // After a failed unwrap the engine holds an alert for the peer; send it if the socket takes it now.
        if (inner.isOpen()) {
            try {
                wrap(EMPTY);
                inner.write(netOutArray);
            } catch (IOException | RuntimeException ignored) {
                // Best effort.
            }
        }
        closed = true;
        inner.close();
    }

    private TransportException tlsError(SSLException e) {
        // After the handshake: bad record MAC, a fatal alert, a broken session.
        return new TransportException(Reason.TLS_ERROR, "with " + serverName + ": " + e.getMessage(), e);
    }

    private void setNetOut(ByteBuffer buffer) {
        netOut = buffer;
        netOutArray[0] = buffer;
    }
}

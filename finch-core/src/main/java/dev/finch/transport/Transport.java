package dev.finch.transport;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import javax.net.ssl.SSLSession;

/**
 * A connected byte stream: plain TCP, a Unix domain socket, or TLS over either (or over another transport, for a
 * proxy tunnel). The channel is always in non-blocking mode, so that the owner can register it with its own
 * {@link java.nio.channels.Selector} (active mode) or wait on it with {@link #awaitReadable} (passive mode).
 *
 * <p>Owned by one thread at a time, like the connection above it; no method is thread-safe, and none starts a
 * thread. Reads and writes allocate nothing per call.
 *
 * <p>Failures are {@link dev.finch.http.TransportException}s. After one with a reason other than {@code TIMEOUT} the
 * transport is closed; after a {@code TIMEOUT} it stays open and the owner decides (a write that timed out may have
 * sent part of its bytes). {@code INTERRUPTED} leaves the thread's interrupt status set.
 *
 * <p>Passive waiting uses a selector private to the transport (see the package documentation for the trade-off);
 * active owners register {@link #channel()} with their own selector and must check {@link #hasBufferedInput()} and
 * {@link #hasPendingWrites()}, which no selector can see.
 */
public interface Transport extends Closeable {

    /**
     * Reads what is available without blocking. For TLS this is decrypted application data; bytes the TLS layer
     * still buffers are returned before the socket is read again.
     *
     * @return bytes read, {@code 0} if nothing is available now, {@code -1} at end of stream (peer closed)
     * @throws dev.finch.http.TransportException on a socket or TLS error
     */
    int read(ByteBuffer dst) throws IOException;

    /**
     * Writes as much of {@code srcs} as the socket takes now, without blocking. Bytes the TLS layer has encrypted
     * but the socket did not take stay buffered in the transport (see {@link #hasPendingWrites()}).
     *
     * @return bytes consumed from {@code srcs}
     */
    long write(ByteBuffer[] srcs) throws IOException;

    /**
     * Writes all of {@code srcs} (and anything buffered), waiting for the socket as needed until the deadline.
     *
     * @param deadlineNanos a {@link System#nanoTime()} value; {@link Long#MAX_VALUE} waits for ever
     * @throws dev.finch.http.TransportException with reason TIMEOUT when the deadline passes first
     */
    void writeFully(ByteBuffer[] srcs, long deadlineNanos) throws IOException;

    /** Tries to write bytes the transport buffered earlier; returns whether none are left. Never blocks. */
    boolean flush() throws IOException;

    /** Whether bytes are buffered for writing (the owner should wait for writability, then {@link #flush()}). */
    boolean hasPendingWrites();

    /**
     * Whether {@link #read} can return bytes without the socket becoming readable (TLS holds decrypted or
     * undecrypted-but-complete data). A selector will not report those, so owners check this first.
     */
    boolean hasBufferedInput();

    /**
     * Blocks the calling thread until the transport is readable (or has buffered input), the timeout passes, or the
     * peer closes.
     *
     * @return {@code true} if {@link #read} may now return data or end-of-stream, {@code false} on timeout
     */
    boolean awaitReadable(long timeoutNanos) throws IOException;

    /**
     * The underlying selectable channel, for registration with a caller-owned selector. For TLS over another
     * transport this is the outermost socket channel.
     */
    SelectableChannel channel();

    /** The ALPN protocol the TLS server chose, or {@code null} (plain transport, or no ALPN answer). */
    String applicationProtocol();

    /** The TLS session, or {@code null} for a plain transport. */
    SSLSession sslSession();

    /**
     * After {@link #read} returned -1: whether the stream ended cleanly. Always true for plain sockets; for TLS, only
     * when the peer sent close_notify before closing (an attacker who can inject a FIN cannot fake one), which is
     * what makes a close-delimited HTTP body complete (RFC 9112 §9.8).
     */
    default boolean endedCleanly() {
        return true;
    }

    /** Whether the transport is still open (not closed locally; the peer may still have closed). */
    boolean isOpen();

    /**
     * Closes the socket from any thread, for whoever must stop a transport its owner is blocked in (a pool shutting
     * down). The owner's wait in {@link #awaitReadable} or {@link #writeFully} wakes up, and its current or next call
     * fails with a {@link dev.finch.http.TransportException} CLOSED. The owner still calls {@link #close()}. The only
     * method that is safe to call from a thread other than the owner.
     */
    void abort();

    /** Closes the socket (for TLS, sends close_notify first, best effort, without blocking). Idempotent. */
    @Override
    void close();
}

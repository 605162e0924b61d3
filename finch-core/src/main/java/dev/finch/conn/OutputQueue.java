package dev.finch.conn;

import dev.finch.transport.Transport;
import dev.finch.transport.Transports;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * Where a connection's bytes go: in passive mode straight to the socket, blocking up to the send timeout; in active
 * mode as much as the socket takes now, the rest copied and kept in order until the selector reports the socket
 * writable. Not thread-safe; owned by the connection.
 */
final class OutputQueue {
    private static final ByteBuffer[] NO_BUFFERS = new ByteBuffer[0];

    private final Transport transport;
    private final ArrayDeque<ByteBuffer> pending = new ArrayDeque<>();

    OutputQueue(Transport transport) {
        this.transport = transport;
    }

    /**
     * Writes {@code out}: all of it before returning when {@code active} is false, otherwise what the socket takes
     * behind anything queued. {@code out} may be reused once this returns.
     */
    void write(ByteBuffer out, boolean active, Duration sendTimeout) throws IOException {
        if (!active) {
            transport.writeFully(new ByteBuffer[] {out}, Transports.deadline(sendTimeout));
            return;
        }
        if (pending.isEmpty()) {
            transport.write(new ByteBuffer[] {out});
        }
        if (out.hasRemaining()) {
            pending.addLast(ByteBuffer.allocate(out.remaining()).put(out).flip());
        }
    }

    /** Writes what the socket takes of the queue, without blocking. */
    void flushNonBlocking() throws IOException {
        if (!pending.isEmpty()) {
            transport.write(pending.toArray(NO_BUFFERS));
            while (!pending.isEmpty() && !pending.peekFirst().hasRemaining()) {
                pending.pollFirst();
            }
        }
        transport.flush();
    }

    /** Writes the whole queue, blocking up to the send timeout: when leaving active mode. */
    void flushBlocking(Duration sendTimeout) throws IOException {
        if (!pending.isEmpty() || transport.hasPendingWrites()) {
            transport.writeFully(pending.toArray(NO_BUFFERS), Transports.deadline(sendTimeout));
            pending.clear();
        }
    }

    /** Whether bytes wait to be written, here or inside the transport (TLS). */
    boolean hasPending() {
        return !pending.isEmpty() || transport.hasPendingWrites();
    }

    /**
     * A closing connection's last bytes (GOAWAY) behind whatever is queued: waits at most {@code wait} in passive
     * mode and not at all in active mode. Failures are ignored: the peer will see the socket close instead.
     */
    void writeLast(ByteBuffer last, boolean active, Duration wait) {
        pending.addLast(last);
        try {
            ByteBuffer[] all = pending.toArray(NO_BUFFERS);
            if (active) {
                transport.write(all);
                transport.flush();
            } else {
                transport.writeFully(all, Transports.deadline(wait));
            }
        } catch (IOException ignored) {
            // Closing anyway.
        } finally {
            pending.clear();
        }
    }

    /** Forgets what is queued (the connection closed). */
    void clear() {
        pending.clear();
    }
}

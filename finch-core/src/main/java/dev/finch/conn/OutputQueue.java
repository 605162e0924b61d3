package dev.finch.conn;

import dev.finch.http.TransportException;
import dev.finch.transport.Transport;
import dev.finch.transport.Transports;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * Where a connection's bytes go: in passive mode straight to the socket, blocking up to the send timeout; in active
 * mode as much as the socket takes now, the rest copied and kept in order until the selector reports the socket
 * writable. What is kept is capped: a peer that stops reading must not make us buffer without bound (in passive mode
 * the send timeout bounds it). Not thread-safe; owned by the connection.
 */
final class OutputQueue {
    private static final ByteBuffer[] NO_BUFFERS = new ByteBuffer[0];

    private final Transport transport;
    private final long maxQueued;
    private final ArrayDeque<ByteBuffer> pending = new ArrayDeque<>();
    /** The bytes left in {@link #pending}. */
    private long queued;

    /** @param maxQueued the most bytes kept for the socket in active mode; see {@link #write} */
    OutputQueue(Transport transport, long maxQueued) {
        this.transport = transport;
        this.maxQueued = maxQueued;
    }

    /** Bytes waiting for the socket (active mode); 0 in passive mode. */
    long queuedBytes() {
        return queued;
    }

    /**
     * Writes {@code out}: all of it before returning when {@code active} is false, otherwise what the socket takes
     * behind anything queued. {@code out} may be reused once this returns.
     *
     * @throws TransportException IO_ERROR, before queueing anything, when the queue would grow beyond its cap: the
     *     peer has stopped reading (in passive mode the send timeout tells the same, as TIMEOUT)
     */
    void write(ByteBuffer[] out, boolean active, Duration sendTimeout) throws IOException {
        if (!active) {
            transport.writeFully(out, Transports.deadline(sendTimeout));
            return;
        }
        if (pending.isEmpty()) {
            transport.write(out);
        }
        long left = 0;
        for (ByteBuffer b : out) {
            left += b.remaining();
        }
        if (left > 0) {
            if (queued + left > maxQueued) {
                throw new TransportException(
                        TransportException.Reason.IO_ERROR,
                        "the peer stopped reading: " + (queued + left)
                                + " bytes would wait for the socket, more than the cap of " + maxQueued
                                + " (Http2Options.maxQueuedOutput)");
            }
            ByteBuffer copy = ByteBuffer.allocate((int) left);
            for (ByteBuffer b : out) {
                copy.put(b);
            }
            queued += left;
            pending.addLast(copy.flip());
        }
    }

    /** Writes what the socket takes of the queue, without blocking. */
    void flushNonBlocking() throws IOException {
        if (!pending.isEmpty()) {
            queued -= transport.write(pending.toArray(NO_BUFFERS));
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
            queued = 0;
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
    void writeLast(ByteBuffer[] last, boolean active, Duration wait) {
        pending.addAll(Arrays.asList(last));
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
            queued = 0;
        }
    }

    /** Forgets what is queued (the connection closed). */
    void clear() {
        pending.clear();
        queued = 0;
    }
}

package dev.finch.codec.http2;

import dev.finch.http.HttpProtocolException;
import java.util.Objects;

/**
 * A receive flow-control window (RFC 9113 §6.9) for one stream, or the connection (stream id 0): it checks that the
 * peer stays within what we allowed and decides when to give credit back with WINDOW_UPDATE.
 *
 * <p>Credit is batched: consumed bytes accumulate until they reach the update threshold (160,000 bytes by default,
 * as Mint), then one WINDOW_UPDATE returns them all. The threshold is capped at half the window size so that a small
 * window still refills before the peer stalls.
 *
 * <p>When do bytes count as consumed? With {@link Release#ON_RECEIVE} as soon as they arrive: the peer is never
 * slowed down. With {@link Release#ON_CONSUME} only when the owner calls {@link #consume}, after the application has
 * taken the data: a slow reader then stops the peer (back-pressure). Padding is released on receipt in both modes,
 * as nobody will ever consume it.
 *
 * <p>Methods return the WINDOW_UPDATE increment to send now, or 0 for none; the owner writes the frame. Not
 * thread-safe; owned by the connection.
 */
public final class ReceiveWindow {
    /** Mint's default: batch WINDOW_UPDATEs until this many bytes are owed. */
    public static final int DEFAULT_UPDATE_THRESHOLD = 160_000;

    /** When received bytes count as consumed and may be credited back. */
    public enum Release {
        /** As soon as a DATA frame is received. */
        ON_RECEIVE,
        /** When the owner reports them consumed with {@link #consume}: back-pressure. */
        ON_CONSUME
    }

    private final int streamId;
    private final int updateThreshold;
    private final Release release;
    private long window; // what the peer may still send; long so sums are exact before checks
    private long target; // the window size we maintain: initial size plus growth
    private long unconsumed; // received, not yet consumed (ON_CONSUME only)
    private long owed; // consumed, not yet credited back with WINDOW_UPDATE

    /**
     * @param streamId the stream, or 0 for the connection
     * @param initialSize our SETTINGS_INITIAL_WINDOW_SIZE for a stream; 65,535 for the connection (§6.9.2), which
     *     {@link #grow} then enlarges
     * @param updateThreshold batch credit until this many bytes are owed (capped at half the window)
     */
    public ReceiveWindow(int streamId, int initialSize, int updateThreshold, Release release) {
        if (streamId < 0 || initialSize < 0 || updateThreshold < 1) {
            throw new IllegalArgumentException(
                    "stream " + streamId + ", initial size " + initialSize + ", threshold " + updateThreshold);
        }
        this.streamId = streamId;
        this.window = initialSize;
        this.target = initialSize;
        this.updateThreshold = updateThreshold;
        this.release = Objects.requireNonNull(release, "release");
    }

    /** A window with the default threshold that releases bytes on receipt. */
    public ReceiveWindow(int streamId, int initialSize) {
        this(streamId, initialSize, DEFAULT_UPDATE_THRESHOLD, Release.ON_RECEIVE);
    }

    /** The stream, or 0 for the connection. */
    public int streamId() {
        return streamId;
    }

    /** How many bytes the peer may still send. */
    public int window() {
        return (int) window;
    }

    /** Received bytes not yet reported consumed (always 0 with {@link Release#ON_RECEIVE}). */
    public int unconsumed() {
        return (int) unconsumed;
    }

    /**
     * Accounts one DATA frame (§6.9.1).
     *
     * @param flowControlledLength the whole frame payload, padding included
     * @param dataLength the data part the application will see; the rest is padding, released at once
     * @return the WINDOW_UPDATE increment to send now, or 0
     * @throws Http2StreamException FLOW_CONTROL_ERROR if the frame exceeds a stream window
     * @throws Http2ConnectionException FLOW_CONTROL_ERROR if it exceeds the connection window
     */
    public int receive(int flowControlledLength, int dataLength) throws HttpProtocolException {
        if (dataLength < 0 || dataLength > flowControlledLength) {
            throw new IllegalArgumentException("data " + dataLength + " of a " + flowControlledLength + " byte frame");
        }
        // §6.9.1 counts payload only: an empty frame (END_STREAM on its own) is allowed whatever the window, even
        // below zero after our INITIAL_WINDOW_SIZE shrank (§6.9.2).
        if (flowControlledLength > 0 && flowControlledLength > window) {
            throw Http2StreamException.onStreamOrConnection(
                    streamId,
                    ErrorCode.FLOW_CONTROL_ERROR,
                    "peer sent " + flowControlledLength + " bytes with a window of " + window + " on stream "
                            + streamId);
        }
        window -= flowControlledLength;
        if (release == Release.ON_RECEIVE) {
            owed += flowControlledLength;
        } else {
            unconsumed += dataLength;
            owed += flowControlledLength - dataLength;
        }
        return creditIfDue();
    }

    /**
     * The application consumed {@code bytes} of received data ({@link Release#ON_CONSUME}); also how an owner
     * releases data it discards, e.g. for a stream that was reset.
     *
     * @return the WINDOW_UPDATE increment to send now, or 0
     * @throws IllegalArgumentException if more is consumed than was received
     */
    public int consume(int bytes) {
        if (bytes < 0 || bytes > unconsumed) {
            throw new IllegalArgumentException("consumed " + bytes + " of " + unconsumed + " unconsumed bytes");
        }
        unconsumed -= bytes;
        owed += bytes;
        return creditIfDue();
    }

    /**
     * Enlarges the window we maintain by {@code delta} and credits it at once, e.g. to raise the connection window
     * from 65,535 to 16 MiB after the preface (Mint's default).
     *
     * @return the WINDOW_UPDATE increment to send now (at least {@code delta} when {@code delta > 0})
     * @throws IllegalArgumentException if the window would exceed 2^31-1
     */
    public int grow(int delta) {
        if (delta < 0
                || target + delta > Settings.MAX_WINDOW_SIZE
                || window + owed + delta > Settings.MAX_WINDOW_SIZE) {
            throw new IllegalArgumentException("cannot grow a window of " + target + " by " + delta);
        }
        target += delta;
        owed += delta;
        return delta == 0 ? 0 : creditNow();
    }

    /**
     * Whether this window can grow by {@code delta} (by {@link #grow} or a raised SETTINGS_INITIAL_WINDOW_SIZE) and
     * stay within 2^31-1 (RFC 9113 §6.9.1).
     */
    public boolean canGrowBy(long delta) {
        return target + delta <= Settings.MAX_WINDOW_SIZE && window + owed + delta <= Settings.MAX_WINDOW_SIZE;
    }

    /**
     * Applies a change of our SETTINGS_INITIAL_WINDOW_SIZE, once the peer has acknowledged it (§6.9.2), to a stream
     * window. A decrease may leave the window negative: the peer then must wait for our updates.
     *
     * @throws IllegalArgumentException if the window would exceed 2^31-1 (the connection refuses such a setting
     *     before sending it: see {@link #canGrowBy})
     */
    public void applyInitialWindowSizeChange(int delta) {
        if (streamId == 0) {
            throw new IllegalStateException("the connection window does not follow SETTINGS_INITIAL_WINDOW_SIZE");
        }
        if (window + delta > Settings.MAX_WINDOW_SIZE) {
            throw new IllegalArgumentException("window change " + delta + " overflows " + window);
        }
        window += delta;
        target += delta;
    }

    private int creditIfDue() {
        long threshold = Math.min(updateThreshold, Math.max(1, target / 2));
        return owed >= threshold ? creditNow() : 0;
    }

    private int creditNow() {
        int increment = (int) owed;
        window += owed;
        owed = 0;
        return increment;
    }

    @Override
    public String toString() {
        return "ReceiveWindow[stream=" + streamId + ", window=" + window + ", unconsumed=" + unconsumed + ", owed="
                + owed + "]";
    }
}

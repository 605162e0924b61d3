package dev.finch.codec.http2;

import dev.finch.http.HttpProtocolException;

/**
 * A send flow-control window (RFC 9113 §6.9): how many DATA bytes we may still send on one stream, or on the whole
 * connection (stream id 0). A DATA frame must fit both its stream's window and the connection's.
 *
 * <p>The window shrinks as we send ({@link #consume}), grows with the peer's WINDOW_UPDATE ({@link #increment}), and
 * shifts when the peer changes SETTINGS_INITIAL_WINDOW_SIZE ({@link #applyInitialWindowSizeChange}, stream windows
 * only), which can leave it negative (§6.9.2): then nothing may be sent until updates bring it above zero. It may
 * never exceed 2^31-1 (§6.9.1). Not thread-safe; owned by the connection.
 */
public final class FlowWindow {
    private final int streamId;
    // A long so that every sum below is exact before it is checked; the value always fits an int.
    private long size;

    /**
     * @param streamId the stream, or 0 for the connection window
     * @param initialSize the peer's SETTINGS_INITIAL_WINDOW_SIZE for a stream; 65,535 for the connection (§6.9.2)
     */
    public FlowWindow(int streamId, int initialSize) {
        if (streamId < 0 || initialSize < 0) {
            throw new IllegalArgumentException("stream " + streamId + ", initial size " + initialSize);
        }
        this.streamId = streamId;
        this.size = initialSize;
    }

    /** The stream, or 0 for the connection. */
    public int streamId() {
        return streamId;
    }

    /** The window, possibly negative after an INITIAL_WINDOW_SIZE decrease (§6.9.2). */
    public int size() {
        return (int) size;
    }

    /** How many bytes may be sent now: the window, or 0 if it is negative. */
    public int available() {
        return (int) Math.max(0, size);
    }

    /**
     * Records {@code bytes} of DATA sent (the frame's whole payload, padding included).
     *
     * @throws IllegalArgumentException if {@code bytes} is negative or more than {@link #available()}: sending it
     *     would break flow control, which is a bug in the caller
     */
    public void consume(int bytes) {
        if (bytes < 0 || bytes > available()) {
            throw new IllegalArgumentException(
                    "cannot send " + bytes + " bytes with " + available() + " available on stream " + streamId);
        }
        size -= bytes;
    }

    /**
     * Applies a WINDOW_UPDATE increment (§6.9.1).
     *
     * @param increment 1..2^31-1, as {@link FrameDecoder} delivers it
     * @throws Http2StreamException FLOW_CONTROL_ERROR if a stream window would exceed 2^31-1
     * @throws Http2ConnectionException FLOW_CONTROL_ERROR if the connection window would
     */
    public void increment(int increment) throws HttpProtocolException {
        if (increment <= 0) {
            throw new IllegalArgumentException("increment " + increment + "; zero is rejected by the decoder");
        }
        long next = size + increment;
        if (next > Settings.MAX_WINDOW_SIZE) {
            throw Http2StreamException.onStreamOrConnection(
                    streamId,
                    ErrorCode.FLOW_CONTROL_ERROR,
                    "WINDOW_UPDATE of " + increment + " takes the window of stream " + streamId + " to " + next
                            + ", above 2^31-1");
        }
        size = next;
    }

    /**
     * Shifts a stream window by the change in the peer's SETTINGS_INITIAL_WINDOW_SIZE (§6.9.2): {@code newInitial -
     * oldInitial}, which may be negative and leave the window negative.
     *
     * @throws Http2ConnectionException FLOW_CONTROL_ERROR if the window would exceed 2^31-1: §6.9.2 makes this a
     *     connection error even though it concerns a stream
     */
    public void applyInitialWindowSizeChange(int delta) throws Http2ConnectionException {
        if (streamId == 0) {
            // §6.9.2: INITIAL_WINDOW_SIZE affects stream windows only, never the connection window.
            throw new IllegalStateException("the connection window does not follow SETTINGS_INITIAL_WINDOW_SIZE");
        }
        long next = size + delta;
        if (next > Settings.MAX_WINDOW_SIZE) {
            throw new Http2ConnectionException(
                    ErrorCode.FLOW_CONTROL_ERROR,
                    "SETTINGS_INITIAL_WINDOW_SIZE change of " + delta + " takes the window of stream " + streamId
                            + " to " + next + ", above 2^31-1");
        }
        // The lower bound needs no check: a window is at least -(2^31-1), because we only send while it is
        // positive and an initial size is at least 0.
        size = next;
    }

    @Override
    public String toString() {
        return "FlowWindow[stream=" + streamId + ", size=" + size + "]";
    }
}

package dev.finch.codec.http2;

import dev.finch.http.HttpProtocolException;
import java.nio.ByteBuffer;

/**
 * Receives the frames {@link FrameDecoder} reads, one method per frame type (OkHttp's {@code Http2Reader.Handler}
 * shape). The decoder has already checked each frame against RFC 9113 §4 and §6 (sizes, stream-id rules, padding,
 * CONTINUATION sequencing), so a handler sees only well-formed frames; stream state (§5.1) is the handler's.
 *
 * <p><b>Buffers are loans.</b> Every {@link ByteBuffer} argument is valid only during the call: it may be a slice of
 * the caller's input (no copy) or of the decoder's own memory, both reused afterwards. Copy what you keep; do not
 * modify the content.
 *
 * <p>A handler may throw {@link HttpProtocolException} (typically a {@link Http2ConnectionException} from HPACK); the
 * exception leaves {@link FrameDecoder#decode} unchanged and the decoder must not be used again.
 */
public interface FrameHandler {

    /**
     * A DATA frame (§6.1), padding removed.
     *
     * @param data the payload without padding; may be empty
     * @param flowControlledLength the whole frame payload including pad length byte and padding: what counts
     *     against both receive windows (§6.9.1), always {@code >= data.remaining()}
     */
    void data(int streamId, boolean endStream, ByteBuffer data, int flowControlledLength) throws HttpProtocolException;

    /**
     * A complete field block from HEADERS plus any CONTINUATION frames (§4.3, §6.2, §6.10), padding removed. It must
     * be given to the HPACK decoder even if the stream is unknown or closed, to keep the compression state in step.
     *
     * @param priority the priority fields when the PRIORITY flag was set, else {@code null}
     */
    void headers(int streamId, boolean endStream, Frame.PrioritySpec priority, ByteBuffer headerBlock)
            throws HttpProtocolException;

    /** A PRIORITY frame (§6.3). RFC 9113 lets a receiver ignore it. */
    void priority(int streamId, Frame.PrioritySpec priority) throws HttpProtocolException;

    /** A RST_STREAM frame (§6.4); {@code errorCode} is raw, see {@link ErrorCode#of(int)}. */
    void rstStream(int streamId, int errorCode) throws HttpProtocolException;

    /**
     * A SETTINGS frame (§6.5). Values are already validated (§6.5.2) and unknown identifiers dropped; the handler
     * applies them in one step and answers with an ACK (§6.5.3).
     *
     * @param settings the parameters sent; {@link Settings#EMPTY} for an acknowledgement
     */
    void settings(boolean ack, Settings settings) throws HttpProtocolException;

    /** A complete PUSH_PROMISE block (§6.6) with CONTINUATIONs merged and padding removed. */
    void pushPromise(int streamId, int promisedStreamId, ByteBuffer headerBlock) throws HttpProtocolException;

    /** A PING (§6.7); a non-ACK must be answered with an ACK carrying the same payload. */
    void ping(boolean ack, long payload) throws HttpProtocolException;

    /** A GOAWAY (§6.8); {@code errorCode} is raw, see {@link ErrorCode#of(int)}. */
    void goAway(int lastStreamId, int errorCode, ByteBuffer debugData) throws HttpProtocolException;

    /** A WINDOW_UPDATE (§6.9) with an increment of 1..2^31-1; stream 0 means the connection window. */
    void windowUpdate(int streamId, int increment) throws HttpProtocolException;

    /**
     * A frame of a type this decoder does not know (an extension, §5.5), announced by its header; its payload is
     * skipped without being buffered. RFC 9113 lets a receiver ignore it, which the default does; a handler may still
     * count it (it costs reading) or refuse it where only a known frame may stand, such as the server's preface
     * (§3.4).
     *
     * @param type the frame type octet
     * @param length the payload length being skipped
     */
    default void unknownFrame(int type, int streamId, int length) throws HttpProtocolException {}

    /**
     * A frame broke a rule whose penalty is a stream error (§5.4.2): a PRIORITY frame of the wrong length (§6.3) or a
     * WINDOW_UPDATE with a zero increment on a stream (§6.9). The frame was consumed and decoding goes on; the
     * handler resets the stream with {@link Http2StreamException#errorCode()}.
     */
    void streamError(Http2StreamException error) throws HttpProtocolException;
}

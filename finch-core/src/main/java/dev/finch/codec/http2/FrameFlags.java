package dev.finch.codec.http2;

/**
 * The frame flags of RFC 9113 §6. A flag's meaning depends on the frame type; flags a type does not define are
 * ignored on receipt and never sent (§4.1).
 */
public final class FrameFlags {
    /** DATA, HEADERS: the last frame the sender will send on the stream (§6.1, §6.2). */
    public static final int END_STREAM = 0x1;
    /** SETTINGS, PING: an acknowledgement (§6.5, §6.7). Same bit as END_STREAM. */
    public static final int ACK = 0x1;
    /** HEADERS, PUSH_PROMISE, CONTINUATION: the field block ends in this frame (§6.2, §6.6, §6.10). */
    public static final int END_HEADERS = 0x4;
    /** DATA, HEADERS, PUSH_PROMISE: a pad length byte and padding are present (§6.1). */
    public static final int PADDED = 0x8;
    /** HEADERS: exclusive flag, stream dependency and weight are present (§6.2). */
    public static final int PRIORITY = 0x20;

    private FrameFlags() {}
}

package dev.finch.codec.http2;

/**
 * The error codes of RFC 9113 §7, carried by RST_STREAM and GOAWAY frames.
 *
 * <p>On the wire an error code is an unsigned 32-bit number and peers may send codes this enum does not know. Frames
 * therefore keep the raw number ({@link Frame.RstStream#errorCode()}, {@link Frame.GoAway#errorCode()}) and this
 * enum maps it with {@link #of(int)}: unknown codes read as {@link #INTERNAL_ERROR}, as RFC 9113 §7 allows, while
 * {@link #describe(int)} still shows the number the peer sent.
 */
public enum ErrorCode {
    /** Graceful shutdown, or a stream that ended without a problem. */
    NO_ERROR(0x0),
    /** The peer broke the protocol. */
    PROTOCOL_ERROR(0x1),
    /** An unexpected internal error; also what unknown codes mean (§7). */
    INTERNAL_ERROR(0x2),
    /** A flow-control window was violated or overflowed (§6.9). */
    FLOW_CONTROL_ERROR(0x3),
    /** A SETTINGS frame was not acknowledged in time (§6.5.3). */
    SETTINGS_TIMEOUT(0x4),
    /** A frame arrived on a half-closed stream (§5.1). */
    STREAM_CLOSED(0x5),
    /** A frame had an invalid size (§4.2). */
    FRAME_SIZE_ERROR(0x6),
    /** The stream was refused before any application processing: safe to retry (§8.7). */
    REFUSED_STREAM(0x7),
    /** The stream is no longer needed. */
    CANCEL(0x8),
    /** The HPACK compression context could not be maintained (§4.3). */
    COMPRESSION_ERROR(0x9),
    /** The connection of a CONNECT request was reset or abnormally closed (§8.5). */
    CONNECT_ERROR(0xa),
    /** The peer is generating excessive load, e.g. a CONTINUATION or reset flood. */
    ENHANCE_YOUR_CALM(0xb),
    /** The transport does not meet minimum security requirements (§9.2). */
    INADEQUATE_SECURITY(0xc),
    /** The endpoint requires HTTP/1.1 instead of HTTP/2. */
    HTTP_1_1_REQUIRED(0xd);

    private static final ErrorCode[] BY_CODE = values();

    private final int code;

    ErrorCode(int code) {
        this.code = code;
    }

    /** The number sent on the wire. */
    public int code() {
        return code;
    }

    /**
     * The error code for a number read from the wire. Codes this enum does not know map to {@link #INTERNAL_ERROR}
     * (RFC 9113 §7: unknown codes "MUST NOT trigger any special behavior" and "MAY be treated ... as being
     * equivalent to INTERNAL_ERROR"); keep the raw number if you need to show it.
     */
    public static ErrorCode of(int code) {
        // The constants are declared in code order 0..13, so the ordinal is the code.
        return isKnown(code) ? BY_CODE[code] : INTERNAL_ERROR;
    }

    /** Whether RFC 9113 §7 defines this number. */
    public static boolean isKnown(int code) {
        return code >= 0 && code < BY_CODE.length;
    }

    /** A name for a raw code, for messages: {@code "CANCEL"} or {@code "0xdead (unknown)"}. */
    public static String describe(int code) {
        return isKnown(code) ? BY_CODE[code].name() : "0x" + Integer.toHexString(code) + " (unknown)";
    }
}

package dev.finch.codec.http2;

/**
 * The frame types of RFC 9113 §6, with their type codes. Frames of any other type are extension frames that a
 * receiver ignores (§5.5); {@link FrameDecoder} skips them.
 */
public enum FrameType {
    /** §6.1: a stream's content, flow-controlled. */
    DATA(0x0),
    /** §6.2: opens a stream and carries the start of a field block. */
    HEADERS(0x1),
    /** §6.3: deprecated stream priority; parsed and otherwise ignored. */
    PRIORITY(0x2),
    /** §6.4: terminates a stream. */
    RST_STREAM(0x3),
    /** §6.5: connection configuration, or its acknowledgement. */
    SETTINGS(0x4),
    /** §6.6: a server's promise of a pushed stream. */
    PUSH_PROMISE(0x5),
    /** §6.7: round-trip measurement and liveness. */
    PING(0x6),
    /** §6.8: connection shutdown. */
    GOAWAY(0x7),
    /** §6.9: flow-control credit. */
    WINDOW_UPDATE(0x8),
    /** §6.10: the rest of a field block started by HEADERS or PUSH_PROMISE. */
    CONTINUATION(0x9);

    private static final FrameType[] BY_CODE = values();

    private final int code;

    FrameType(int code) {
        this.code = code;
    }

    /** The type code sent on the wire. */
    public int code() {
        return code;
    }

    /** The frame type for a type code, or {@code null} for an extension (unknown) type. */
    public static FrameType of(int code) {
        // Declared in code order 0x0..0x9.
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}

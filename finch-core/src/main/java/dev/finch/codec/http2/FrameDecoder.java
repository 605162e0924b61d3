package dev.finch.codec.http2;

import dev.finch.http.HttpProtocolException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A push-based HTTP/2 frame decoder (RFC 9113 §4, §6): bytes in, {@link FrameHandler} calls out, no I/O. Every call
 * consumes all of its input; a frame cut anywhere (down to single bytes) is kept aside until the rest arrives, so the
 * caller may reuse its buffer after each call.
 *
 * <p>What it checks, so a handler need not: the frame size against our SETTINGS_MAX_FRAME_SIZE (§4.2), the stream-id
 * rules and fixed lengths of each type (§6), padding (§6.1), SETTINGS values (§6.5.2), and CONTINUATION sequencing
 * (§6.10). Extension frame types are skipped without buffering (§5.5), after telling the handler. Stream state (§5.1)
 * is the handler's.
 *
 * <p>Limits against floods (RFC 9113 §10.5, the 2024 "CONTINUATION flood"): a field block split over HEADERS and
 * CONTINUATION frames is merged in memory, capped at {@code maxHeaderBlockSize} bytes and {@code
 * maxContinuationFrames} CONTINUATION frames; beyond either the peer gets a connection error ENHANCE_YOUR_CALM (the
 * block is well-formed, the load is not). The cap is checked from each frame header, before its payload is kept.
 *
 * <p>DATA is delivered without copying when the whole frame is in one input buffer, as a slice of it; otherwise from
 * the decoder's own memory. Either way the buffer is valid only during the callback.
 *
 * <p>Errors: a {@link Http2ConnectionException} is thrown and the decoder is finished (further calls throw {@link
 * IllegalStateException}); frames before the fault were delivered. A stream error is reported through {@link
 * FrameHandler#streamError} and decoding goes on. Not thread-safe.
 */
public final class FrameDecoder {
    /** Default cap on a merged field block: twice Finch's default SETTINGS_MAX_HEADER_LIST_SIZE of 256 KiB. */
    public static final int DEFAULT_MAX_HEADER_BLOCK_SIZE = 2 * 262_144;
    /**
     * Default cap on CONTINUATION frames per field block. A block of the default cap needs 32 frames of the default
     * 16 KiB; 128 leaves room for peers that split small while stopping floods of tiny or empty frames.
     */
    public static final int DEFAULT_MAX_CONTINUATION_FRAMES = 128;

    // Buffers above this size are dropped after use rather than kept for the next frame.
    private static final int RETAINED_BUFFER_LIMIT = 64 * 1024;

    private enum State {
        HEADER,
        PAYLOAD,
        SKIP
    }

    private final int maxHeaderBlockSize;
    private final int maxContinuationFrames;
    private int maxFrameSize;

    // The frame being read.
    private State state = State.HEADER;
    private final byte[] header = new byte[Frame.HEADER_LENGTH];
    private int headerFill;
    private int length;
    private int type;
    private int flags;
    private int streamId;
    private byte[] partial; // payload bytes of a frame split across calls
    private int partialFill;
    private int skipRemaining;

    // A field block waiting for CONTINUATION frames (§6.10); blockStreamId 0 means none.
    private int blockStreamId;
    private boolean blockIsPushPromise;
    private boolean blockEndStream;
    private Frame.PrioritySpec blockPriority;
    private int blockPromisedStreamId;
    private byte[] block;
    private int blockSize;
    private int continuationFrames;

    private boolean failed;

    /** A decoder with the RFC's initial SETTINGS_MAX_FRAME_SIZE (16384) and the default flood caps. */
    public FrameDecoder() {
        this(Settings.MIN_MAX_FRAME_SIZE, DEFAULT_MAX_HEADER_BLOCK_SIZE, DEFAULT_MAX_CONTINUATION_FRAMES);
    }

    /**
     * @param maxFrameSize our SETTINGS_MAX_FRAME_SIZE, 16384..16777215
     * @param maxHeaderBlockSize cap on a compressed field block, HEADERS/PUSH_PROMISE plus CONTINUATIONs, without
     *     padding and priority fields
     * @param maxContinuationFrames cap on CONTINUATION frames following one HEADERS or PUSH_PROMISE
     */
    public FrameDecoder(int maxFrameSize, int maxHeaderBlockSize, int maxContinuationFrames) {
        setMaxFrameSize(maxFrameSize);
        if (maxHeaderBlockSize < 1 || maxContinuationFrames < 0) {
            throw new IllegalArgumentException(
                    "header block cap " + maxHeaderBlockSize + ", CONTINUATION cap " + maxContinuationFrames);
        }
        this.maxHeaderBlockSize = maxHeaderBlockSize;
        this.maxContinuationFrames = maxContinuationFrames;
    }

    /**
     * Changes our SETTINGS_MAX_FRAME_SIZE, from the next frame header on. Call it when the peer acknowledges a
     * SETTINGS frame that changed it (§6.5.3).
     */
    public void setMaxFrameSize(int maxFrameSize) {
        if (maxFrameSize < Settings.MIN_MAX_FRAME_SIZE || maxFrameSize > Settings.MAX_MAX_FRAME_SIZE) {
            throw new IllegalArgumentException("max frame size " + maxFrameSize + " outside [16384, 16777215]");
        }
        this.maxFrameSize = maxFrameSize;
    }

    /** Our SETTINGS_MAX_FRAME_SIZE as the decoder enforces it now. */
    public int maxFrameSize() {
        return maxFrameSize;
    }

    /**
     * Whether input ended inside something: a partial frame, or a field block still waiting for CONTINUATION. A
     * peer that closes the connection then cut a frame short.
     */
    public boolean inFrame() {
        return state != State.HEADER || headerFill > 0 || blockStreamId != 0;
    }

    /**
     * Decodes all of {@code in} (its position ends at its limit), calling {@code handler} for each complete frame.
     *
     * @throws Http2ConnectionException if the peer broke a connection-level rule; the decoder is finished
     * @throws HttpProtocolException whatever the handler throws; the decoder is finished
     * @throws IllegalStateException if the decoder already failed
     */
    public void decode(ByteBuffer in, FrameHandler handler) throws HttpProtocolException {
        if (failed) {
            throw new IllegalStateException("the decoder failed with a connection error; the connection is over");
        }
        try {
            while (true) {
                if (state == State.HEADER) {
                    if (!readHeader(in)) {
                        return;
                    }
                    beginFrame(handler);
                } else if (state == State.SKIP) {
                    int n = Math.min(skipRemaining, in.remaining());
                    in.position(in.position() + n);
                    skipRemaining -= n;
                    if (skipRemaining > 0) {
                        return;
                    }
                    state = State.HEADER;
                } else {
                    ByteBuffer payload = readPayload(in);
                    if (payload == null) {
                        return;
                    }
                    state = State.HEADER;
                    onPayload(payload, handler);
                    if (partial != null && partial.length > RETAINED_BUFFER_LIMIT) {
                        partial = null;
                    }
                }
            }
        } catch (HttpProtocolException | RuntimeException e) {
            failed = true;
            throw e;
        }
    }

    /** Reads the 9-octet frame header (§4.1); false if the input ended first. */
    private boolean readHeader(ByteBuffer in) {
        ByteBuffer h;
        if (headerFill == 0 && in.remaining() >= Frame.HEADER_LENGTH) {
            h = in;
        } else {
            int n = Math.min(Frame.HEADER_LENGTH - headerFill, in.remaining());
            in.get(header, headerFill, n);
            headerFill += n;
            if (headerFill < Frame.HEADER_LENGTH) {
                return false;
            }
            headerFill = 0;
            h = ByteBuffer.wrap(header);
        }
        int p = h.position();
        length = (h.get(p) & 0xff) << 16 | (h.get(p + 1) & 0xff) << 8 | (h.get(p + 2) & 0xff);
        type = h.get(p + 3) & 0xff;
        flags = h.get(p + 4) & 0xff;
        // Byte by byte: the caller's buffer may be little-endian. §4.1: the reserved bit MUST be ignored.
        streamId = (h.get(p + 5) & 0x7f) << 24
                | (h.get(p + 6) & 0xff) << 16
                | (h.get(p + 7) & 0xff) << 8
                | (h.get(p + 8) & 0xff);
        h.position(p + Frame.HEADER_LENGTH);
        return true;
    }

    /** Checks what the header alone can tell (§4.2, §6, §6.10), then decides how to read the payload. */
    private void beginFrame(FrameHandler handler) throws HttpProtocolException {
        if (length > maxFrameSize) {
            throw connectionError(
                    ErrorCode.FRAME_SIZE_ERROR,
                    "frame of " + length + " bytes exceeds SETTINGS_MAX_FRAME_SIZE " + maxFrameSize);
        }
        FrameType frameType = FrameType.of(type);
        if (blockStreamId != 0 && (frameType != FrameType.CONTINUATION || streamId != blockStreamId)) {
            // §6.10 and §5.5: nothing, not even an extension frame, may interrupt a field block.
            throw connectionError(
                    ErrorCode.PROTOCOL_ERROR,
                    describe(frameType) + " on stream " + streamId + " while the field block of stream " + blockStreamId
                            + " awaits CONTINUATION");
        }
        state = State.PAYLOAD;
        if (frameType == null) {
            state = State.SKIP; // §5.5: unknown types are ignored and discarded
            skipRemaining = length;
            handler.unknownFrame(type, streamId, length);
            return;
        }
        switch (frameType) {
            case DATA, HEADERS, PUSH_PROMISE -> requireStream(frameType);
            case RST_STREAM -> {
                requireStream(frameType);
                requireLength(frameType, 4);
            }
            case SETTINGS -> {
                requireConnection(frameType);
                if ((flags & FrameFlags.ACK) != 0 && length != 0) {
                    throw connectionError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS ACK with a payload (§6.5)");
                }
                if (length % 6 != 0) {
                    throw connectionError(
                            ErrorCode.FRAME_SIZE_ERROR, "SETTINGS length " + length + " not a multiple of 6");
                }
            }
            case PING -> {
                requireConnection(frameType);
                requireLength(frameType, 8);
            }
            case GOAWAY -> {
                requireConnection(frameType);
                if (length < 8) {
                    throw connectionError(ErrorCode.FRAME_SIZE_ERROR, "GOAWAY length " + length + " below 8");
                }
            }
            case WINDOW_UPDATE -> requireLength(frameType, 4);
            case PRIORITY -> {
                requireStream(frameType);
                if (length != 5) {
                    // §6.3: the one size error that is only a stream error; the payload is skipped.
                    state = State.SKIP;
                    skipRemaining = length;
                    handler.streamError(new Http2StreamException(
                            streamId, ErrorCode.FRAME_SIZE_ERROR, "PRIORITY length " + length + " is not 5"));
                }
            }
            case CONTINUATION -> {
                requireStream(frameType);
                if (blockStreamId == 0) {
                    throw connectionError(
                            ErrorCode.PROTOCOL_ERROR, "CONTINUATION without a preceding HEADERS or PUSH_PROMISE");
                }
                if (++continuationFrames > maxContinuationFrames) {
                    throw connectionError(
                            ErrorCode.ENHANCE_YOUR_CALM,
                            "more than " + maxContinuationFrames + " CONTINUATION frames in one field block");
                }
                checkBlockSize((long) blockSize + length);
            }
        }
    }

    /** The whole payload, from the input if it is all there (no copy), else gathered across calls; null if short. */
    private ByteBuffer readPayload(ByteBuffer in) {
        if (partialFill == 0 && in.remaining() >= length) {
            ByteBuffer payload = in.slice(in.position(), length);
            in.position(in.position() + length);
            return payload;
        }
        if (partial == null || partial.length < length) {
            partial = new byte[length];
        }
        int n = Math.min(length - partialFill, in.remaining());
        in.get(partial, partialFill, n);
        partialFill += n;
        if (partialFill < length) {
            return null;
        }
        partialFill = 0;
        return ByteBuffer.wrap(partial, 0, length);
    }

    /** Handles a complete payload; {@code p} is big-endian (a slice or a wrap) and indexed from 0. */
    private void onPayload(ByteBuffer p, FrameHandler handler) throws HttpProtocolException {
        boolean endStream = (flags & FrameFlags.END_STREAM) != 0;
        boolean endHeaders = (flags & FrameFlags.END_HEADERS) != 0;
        int start = (flags & FrameFlags.PADDED) != 0 ? 1 : 0;
        switch (FrameType.of(type)) {
            case DATA -> {
                int pad = padLength(p, 0);
                handler.data(streamId, endStream, p.slice(start, length - start - pad), length);
            }
            case HEADERS -> {
                boolean hasPriority = (flags & FrameFlags.PRIORITY) != 0;
                int pad = padLength(p, hasPriority ? 5 : 0);
                Frame.PrioritySpec priority = hasPriority ? readPriority(p, start) : null;
                int offset = start + (hasPriority ? 5 : 0);
                ByteBuffer fragment = p.slice(offset, length - offset - pad);
                if (endHeaders) {
                    checkBlockSize(fragment.remaining());
                    handler.headers(streamId, endStream, priority, fragment);
                } else {
                    openBlock(fragment, false, endStream, priority, 0);
                }
            }
            case PRIORITY -> handler.priority(streamId, readPriority(p, 0));
            case RST_STREAM -> handler.rstStream(streamId, p.getInt(0));
            case SETTINGS -> handler.settings((flags & FrameFlags.ACK) != 0, readSettings(p));
            case PUSH_PROMISE -> {
                int pad = padLength(p, 4);
                int promised = p.getInt(start) & 0x7fff_ffff;
                ByteBuffer fragment = p.slice(start + 4, length - start - 4 - pad);
                if (endHeaders) {
                    checkBlockSize(fragment.remaining());
                    handler.pushPromise(streamId, promised, fragment);
                } else {
                    openBlock(fragment, true, false, null, promised);
                }
            }
            case PING -> handler.ping((flags & FrameFlags.ACK) != 0, p.getLong(0));
            case GOAWAY -> handler.goAway(p.getInt(0) & 0x7fff_ffff, p.getInt(4), p.slice(8, length - 8));
            case WINDOW_UPDATE -> {
                int increment = p.getInt(0) & 0x7fff_ffff;
                if (increment == 0) {
                    // §6.9: a stream error on a stream, a connection error on the connection window.
                    String detail = "WINDOW_UPDATE with a zero increment";
                    if (streamId == 0) {
                        throw connectionError(ErrorCode.PROTOCOL_ERROR, detail);
                    }
                    handler.streamError(new Http2StreamException(streamId, ErrorCode.PROTOCOL_ERROR, detail));
                } else {
                    handler.windowUpdate(streamId, increment);
                }
            }
            case CONTINUATION -> {
                p.get(0, block, blockSize, length);
                blockSize += length;
                if (endHeaders) {
                    closeBlock(handler);
                }
            }
        }
    }

    /**
     * The pad length of a frame whose PADDED flag may be set, checked against the payload (§6.1, §6.2, §6.6).
     *
     * @param fixed the octets of mandatory fields after the pad length byte (priority, promised stream id)
     */
    private int padLength(ByteBuffer p, int fixed) throws Http2ConnectionException {
        boolean padded = (flags & FrameFlags.PADDED) != 0;
        int required = (padded ? 1 : 0) + fixed;
        if (length < required) {
            // §4.2: too small for its mandatory fields; DATA included, as the frame's flow-control
            // contribution could not be told from its content either.
            throw connectionError(
                    ErrorCode.FRAME_SIZE_ERROR,
                    describe(FrameType.of(type)) + " of " + length + " bytes too short for its fields");
        }
        if (!padded) {
            return 0;
        }
        int pad = p.get(0) & 0xff;
        if (pad > length - required) {
            throw connectionError(
                    ErrorCode.PROTOCOL_ERROR,
                    describe(FrameType.of(type)) + " pad length " + pad + " not below the payload length " + length);
        }
        return pad;
    }

    private static Frame.PrioritySpec readPriority(ByteBuffer p, int offset) {
        int dependency = p.getInt(offset);
        return new Frame.PrioritySpec(dependency & 0x7fff_ffff, dependency < 0, (p.get(offset + 4) & 0xff) + 1);
    }

    private Settings readSettings(ByteBuffer p) throws Http2ConnectionException {
        if (length == 0) {
            return Settings.EMPTY;
        }
        Settings.Builder settings = Settings.builder();
        for (int i = 0; i < length; i += 6) {
            int id = p.getShort(i) & 0xffff;
            long value = p.getInt(i + 2) & 0xffff_ffffL;
            if (Settings.isKnown(id)) { // §6.5.2: unknown identifiers MUST be ignored
                settings.setChecked(id, Settings.checkValue(id, value));
            }
        }
        return settings.build();
    }

    private void openBlock(
            ByteBuffer fragment, boolean pushPromise, boolean endStream, Frame.PrioritySpec priority, int promised)
            throws Http2ConnectionException {
        checkBlockSize(fragment.remaining());
        blockStreamId = streamId;
        blockIsPushPromise = pushPromise;
        blockEndStream = endStream;
        blockPriority = priority;
        blockPromisedStreamId = promised;
        continuationFrames = 0;
        blockSize = 0;
        // Grow as CONTINUATIONs arrive, never beyond the cap.
        int capacity = (int) Math.min(maxHeaderBlockSize, Math.max(2L * fragment.remaining(), 1024));
        if (block == null || block.length < capacity) {
            block = new byte[capacity];
        }
        fragment.get(0, block, 0, fragment.remaining());
        blockSize = fragment.remaining();
    }

    private void closeBlock(FrameHandler handler) throws HttpProtocolException {
        int id = blockStreamId;
        ByteBuffer merged = ByteBuffer.wrap(block, 0, blockSize);
        blockStreamId = 0;
        if (blockIsPushPromise) {
            handler.pushPromise(id, blockPromisedStreamId, merged);
        } else {
            handler.headers(id, blockEndStream, blockPriority, merged);
        }
        blockPriority = null;
        if (block.length > RETAINED_BUFFER_LIMIT) {
            block = null;
        }
    }

    /** Checks a field block's size against the cap, and makes room for it when a CONTINUATION will be appended. */
    private void checkBlockSize(long size) throws Http2ConnectionException {
        if (size > maxHeaderBlockSize) {
            throw connectionError(
                    ErrorCode.ENHANCE_YOUR_CALM, "field block larger than " + maxHeaderBlockSize + " bytes");
        }
        if (blockStreamId != 0 && block.length < size) {
            block = Arrays.copyOf(block, (int) Math.min(maxHeaderBlockSize, Math.max(size, 2L * block.length)));
        }
    }

    private void requireStream(FrameType frameType) throws Http2ConnectionException {
        if (streamId == 0) {
            throw connectionError(ErrorCode.PROTOCOL_ERROR, frameType + " on stream 0");
        }
    }

    private void requireConnection(FrameType frameType) throws Http2ConnectionException {
        if (streamId != 0) {
            throw connectionError(ErrorCode.PROTOCOL_ERROR, frameType + " on stream " + streamId + ", not 0");
        }
    }

    private void requireLength(FrameType frameType, int expected) throws Http2ConnectionException {
        if (length != expected) {
            throw connectionError(ErrorCode.FRAME_SIZE_ERROR, frameType + " length " + length + " is not " + expected);
        }
    }

    private static String describe(FrameType frameType) {
        return frameType == null ? "an extension frame" : frameType.toString();
    }

    private static Http2ConnectionException connectionError(ErrorCode code, String detail) {
        return new Http2ConnectionException(code, detail);
    }
}

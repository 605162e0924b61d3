package dev.finch.codec.http2;

import java.util.Arrays;
import java.util.Objects;

/**
 * One HTTP/2 frame (RFC 9113 §6) as a value: a record per frame type. {@link FrameEncoder#frame} writes any of them
 * exactly; {@link FrameDecoder} reports the same information through {@link FrameHandler} methods instead of
 * allocating records, and a handler that wants records can build them (the tests do).
 *
 * <p>Byte arrays are not copied: whoever builds a record hands the array over and must not modify it afterwards.
 * {@code equals} compares array contents.
 */
public sealed interface Frame
        permits Frame.Data,
                Frame.Headers,
                Frame.Priority,
                Frame.RstStream,
                Frame.Settings,
                Frame.PushPromise,
                Frame.Ping,
                Frame.GoAway,
                Frame.WindowUpdate,
                Frame.Continuation {

    /** Every frame starts with a 9-octet header: length (24), type (8), flags (8), R + stream id (1 + 31) (§4.1). */
    int HEADER_LENGTH = 9;

    /** The frame's type. */
    FrameType type();

    /** The stream the frame belongs to; 0 for connection-level frames. */
    int streamId();

    /**
     * The priority fields of HEADERS and PRIORITY (§5.3.2, §6.3). RFC 9113 deprecates this scheme; they are parsed
     * so the frame is read correctly, and a client may ignore them.
     *
     * @param streamDependency the stream this one depends on, 0..2^31-1
     * @param exclusive the E flag
     * @param weight 1..256 (the wire carries weight - 1)
     */
    record PrioritySpec(int streamDependency, boolean exclusive, int weight) {
        public PrioritySpec {
            if (streamDependency < 0) {
                throw new IllegalArgumentException("stream dependency " + streamDependency);
            }
            if (weight < 1 || weight > 256) {
                throw new IllegalArgumentException("weight " + weight + " outside 1..256");
            }
        }
    }

    /**
     * DATA (§6.1).
     *
     * @param flowControlledLength the whole frame payload, which is what flow control counts (§6.9): {@code
     *     data.length} when unpadded, otherwise {@code data.length + 1 + padLength}
     */
    record Data(int streamId, boolean endStream, byte[] data, int flowControlledLength) implements Frame {
        public Data {
            requireStream(streamId);
            Objects.requireNonNull(data, "data");
            int pad = flowControlledLength - data.length - 1;
            if (flowControlledLength != data.length && (pad < 0 || pad > 255)) {
                throw new IllegalArgumentException("flow-controlled length " + flowControlledLength + " does not fit "
                        + data.length + " data bytes and 0..255 padding");
            }
        }

        /** Unpadded DATA. */
        public Data(int streamId, boolean endStream, byte[] data) {
            this(streamId, endStream, data, data.length);
        }

        /** Whether the frame carries the PADDED flag. */
        public boolean padded() {
            return flowControlledLength != data.length;
        }

        @Override
        public FrameType type() {
            return FrameType.DATA;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Data d
                    && d.streamId == streamId
                    && d.endStream == endStream
                    && d.flowControlledLength == flowControlledLength
                    && Arrays.equals(d.data, data);
        }

        @Override
        public int hashCode() {
            return Objects.hash(streamId, endStream, flowControlledLength, Arrays.hashCode(data));
        }

        @Override
        public String toString() {
            return "Data[stream=" + streamId + ", endStream=" + endStream + ", data=" + hex(data)
                    + ", flowControlledLength=" + flowControlledLength + "]";
        }
    }

    /**
     * HEADERS (§6.2). As reported by {@link FrameDecoder} the block is complete (CONTINUATIONs merged) and {@code
     * endHeaders} is true.
     *
     * @param priority the priority fields, or {@code null} when the PRIORITY flag is absent
     */
    record Headers(int streamId, boolean endStream, boolean endHeaders, PrioritySpec priority, byte[] headerBlock)
            implements Frame {
        public Headers {
            requireStream(streamId);
            Objects.requireNonNull(headerBlock, "headerBlock");
        }

        @Override
        public FrameType type() {
            return FrameType.HEADERS;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Headers h
                    && h.streamId == streamId
                    && h.endStream == endStream
                    && h.endHeaders == endHeaders
                    && Objects.equals(h.priority, priority)
                    && Arrays.equals(h.headerBlock, headerBlock);
        }

        @Override
        public int hashCode() {
            return Objects.hash(streamId, endStream, endHeaders, priority, Arrays.hashCode(headerBlock));
        }

        @Override
        public String toString() {
            return "Headers[stream=" + streamId + ", endStream=" + endStream + ", endHeaders=" + endHeaders
                    + ", priority=" + priority + ", headerBlock=" + hex(headerBlock) + "]";
        }
    }

    /** PRIORITY (§6.3). */
    record Priority(int streamId, PrioritySpec priority) implements Frame {
        public Priority {
            requireStream(streamId);
            Objects.requireNonNull(priority, "priority");
        }

        @Override
        public FrameType type() {
            return FrameType.PRIORITY;
        }
    }

    /**
     * RST_STREAM (§6.4).
     *
     * @param errorCode the raw code as on the wire; {@link #error()} maps it
     */
    record RstStream(int streamId, int errorCode) implements Frame {
        public RstStream {
            requireStream(streamId);
        }

        /** RST_STREAM with a known error code. */
        public RstStream(int streamId, ErrorCode errorCode) {
            this(streamId, errorCode.code());
        }

        /** The error code; unknown codes read as INTERNAL_ERROR (§7). */
        public ErrorCode error() {
            return ErrorCode.of(errorCode);
        }

        @Override
        public FrameType type() {
            return FrameType.RST_STREAM;
        }
    }

    /**
     * SETTINGS (§6.5), always on stream 0.
     *
     * @param values the parameters carried, in identifier order on the wire; empty for an acknowledgement
     */
    record Settings(boolean ack, dev.finch.codec.http2.Settings values) implements Frame {
        public Settings {
            Objects.requireNonNull(values, "values");
            if (ack && values.size() != 0) {
                throw new IllegalArgumentException("a SETTINGS acknowledgement carries no parameters (§6.5)");
            }
        }

        @Override
        public FrameType type() {
            return FrameType.SETTINGS;
        }

        @Override
        public int streamId() {
            return 0;
        }
    }

    /** PUSH_PROMISE (§6.6); as reported by {@link FrameDecoder} the block is complete and {@code endHeaders} true. */
    record PushPromise(int streamId, int promisedStreamId, boolean endHeaders, byte[] headerBlock) implements Frame {
        public PushPromise {
            requireStream(streamId);
            if (promisedStreamId < 0) {
                throw new IllegalArgumentException("promised stream id " + promisedStreamId);
            }
            Objects.requireNonNull(headerBlock, "headerBlock");
        }

        @Override
        public FrameType type() {
            return FrameType.PUSH_PROMISE;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof PushPromise p
                    && p.streamId == streamId
                    && p.promisedStreamId == promisedStreamId
                    && p.endHeaders == endHeaders
                    && Arrays.equals(p.headerBlock, headerBlock);
        }

        @Override
        public int hashCode() {
            return Objects.hash(streamId, promisedStreamId, endHeaders, Arrays.hashCode(headerBlock));
        }

        @Override
        public String toString() {
            return "PushPromise[stream=" + streamId + ", promisedStreamId=" + promisedStreamId + ", endHeaders="
                    + endHeaders + ", headerBlock=" + hex(headerBlock) + "]";
        }
    }

    /** PING (§6.7); the 8 opaque payload octets as one big-endian {@code long}. */
    record Ping(boolean ack, long payload) implements Frame {
        @Override
        public FrameType type() {
            return FrameType.PING;
        }

        @Override
        public int streamId() {
            return 0;
        }
    }

    /**
     * GOAWAY (§6.8), always on stream 0.
     *
     * @param errorCode the raw code as on the wire; {@link #error()} maps it
     * @param debugData opaque diagnostic bytes, possibly empty
     */
    record GoAway(int lastStreamId, int errorCode, byte[] debugData) implements Frame {
        public GoAway {
            if (lastStreamId < 0) {
                throw new IllegalArgumentException("last stream id " + lastStreamId);
            }
            Objects.requireNonNull(debugData, "debugData");
        }

        /** GOAWAY with a known error code. */
        public GoAway(int lastStreamId, ErrorCode errorCode, byte[] debugData) {
            this(lastStreamId, errorCode.code(), debugData);
        }

        /** The error code; unknown codes read as INTERNAL_ERROR (§7). */
        public ErrorCode error() {
            return ErrorCode.of(errorCode);
        }

        @Override
        public FrameType type() {
            return FrameType.GOAWAY;
        }

        @Override
        public int streamId() {
            return 0;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof GoAway g
                    && g.lastStreamId == lastStreamId
                    && g.errorCode == errorCode
                    && Arrays.equals(g.debugData, debugData);
        }

        @Override
        public int hashCode() {
            return Objects.hash(lastStreamId, errorCode, Arrays.hashCode(debugData));
        }

        @Override
        public String toString() {
            return "GoAway[lastStreamId=" + lastStreamId + ", errorCode=" + ErrorCode.describe(errorCode)
                    + ", debugData=" + hex(debugData) + "]";
        }
    }

    /**
     * WINDOW_UPDATE (§6.9) on a stream or, with stream id 0, on the connection.
     *
     * @param increment 1..2^31-1 when encoding; the decoder reports 0 as an error, never as a frame
     */
    record WindowUpdate(int streamId, int increment) implements Frame {
        public WindowUpdate {
            if (streamId < 0) {
                throw new IllegalArgumentException("stream id " + streamId);
            }
        }

        @Override
        public FrameType type() {
            return FrameType.WINDOW_UPDATE;
        }
    }

    /**
     * CONTINUATION (§6.10): only meaningful after a HEADERS or PUSH_PROMISE without END_HEADERS. The decoder merges
     * these into the preceding frame's block and never reports them separately; the record exists for encoding.
     */
    record Continuation(int streamId, boolean endHeaders, byte[] headerBlock) implements Frame {
        public Continuation {
            requireStream(streamId);
            Objects.requireNonNull(headerBlock, "headerBlock");
        }

        @Override
        public FrameType type() {
            return FrameType.CONTINUATION;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Continuation c
                    && c.streamId == streamId
                    && c.endHeaders == endHeaders
                    && Arrays.equals(c.headerBlock, headerBlock);
        }

        @Override
        public int hashCode() {
            return Objects.hash(streamId, endHeaders, Arrays.hashCode(headerBlock));
        }

        @Override
        public String toString() {
            return "Continuation[stream=" + streamId + ", endHeaders=" + endHeaders + ", headerBlock="
                    + hex(headerBlock) + "]";
        }
    }

    private static void requireStream(int streamId) {
        if (streamId <= 0) {
            throw new IllegalArgumentException("this frame type needs a stream id > 0, not " + streamId);
        }
    }

    private static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder().append(bytes.length).append(" bytes");
        int shown = Math.min(bytes.length, 32);
        if (shown > 0) {
            sb.append(' ');
        }
        for (int i = 0; i < shown; i++) {
            sb.append(Character.forDigit((bytes[i] >> 4) & 0xf, 16)).append(Character.forDigit(bytes[i] & 0xf, 16));
        }
        return bytes.length > shown ? sb.append("...").toString() : sb.toString();
    }
}

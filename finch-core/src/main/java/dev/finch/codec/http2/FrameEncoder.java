package dev.finch.codec.http2;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Writes HTTP/2 frames (RFC 9113 §4.1, §6) into a {@link ByteSink}: one method per frame type, pure functions of
 * their arguments. Input buffers are read from their position to their limit and are not moved.
 *
 * <p>Arguments a peer would reject (a DATA frame on stream 0, a zero WINDOW_UPDATE increment) are programming errors
 * and throw {@link IllegalArgumentException}; nothing is written then.
 */
public final class FrameEncoder {
    /** The client connection preface (§3.4), sent before the client's first SETTINGS frame. */
    public static final String CONNECTION_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

    private static final byte[] PREFACE_BYTES = CONNECTION_PREFACE.getBytes(StandardCharsets.US_ASCII);

    private FrameEncoder() {}

    /** Writes the 24-octet client connection preface (§3.4). */
    public static void connectionPreface(ByteSink out) {
        out.write(PREFACE_BYTES, 0, PREFACE_BYTES.length);
    }

    /** Writes a 9-octet frame header (§4.1). The reserved bit is sent as 0. */
    public static void frameHeader(ByteSink out, int length, int type, int flags, int streamId) {
        if (length < 0 || length > Settings.MAX_MAX_FRAME_SIZE) {
            throw new IllegalArgumentException("frame length " + length + " outside 0..2^24-1");
        }
        if (streamId < 0) {
            throw new IllegalArgumentException("stream id " + streamId);
        }
        out.writeMedium(length);
        out.write(type);
        out.write(flags);
        out.writeInt(streamId);
    }

    /**
     * Writes {@code data} as DATA frames of at most {@code maxFrameSize} bytes each; END_STREAM goes on the last one
     * only. Empty data with {@code endStream} writes one empty frame (§6.1); empty data without it writes nothing.
     * Flow control is the caller's: {@code data.remaining()} must fit the send windows.
     */
    public static void data(ByteSink out, int streamId, ByteBuffer data, boolean endStream, int maxFrameSize) {
        requireStream(streamId);
        requireMaxFrameSize(maxFrameSize);
        int index = data.position();
        int remaining = data.remaining();
        if (remaining == 0 && !endStream) {
            return;
        }
        do {
            int length = Math.min(remaining, maxFrameSize);
            remaining -= length;
            int flags = endStream && remaining == 0 ? FrameFlags.END_STREAM : 0;
            frameHeader(out, length, FrameType.DATA.code(), flags, streamId);
            out.write(data, index, length);
            index += length;
        } while (remaining > 0);
    }

    /**
     * Writes a complete header block (§4.3) as one HEADERS frame followed by as many CONTINUATION frames as
     * {@code maxFrameSize} requires; END_HEADERS goes on the last frame, END_STREAM on the HEADERS frame (§6.2: it
     * applies to the whole block). Nothing else may be written on the connection between these frames.
     */
    public static void headers(
            ByteSink out, int streamId, ByteBuffer headerBlock, boolean endStream, int maxFrameSize) {
        requireStream(streamId);
        requireMaxFrameSize(maxFrameSize);
        int first = Math.min(headerBlock.remaining(), maxFrameSize);
        int flags = (endStream ? FrameFlags.END_STREAM : 0)
                | (first == headerBlock.remaining() ? FrameFlags.END_HEADERS : 0);
        frameHeader(out, first, FrameType.HEADERS.code(), flags, streamId);
        out.write(headerBlock, headerBlock.position(), first);
        continuations(out, streamId, headerBlock, headerBlock.position() + first, maxFrameSize);
    }

    /** Writes PRIORITY (§6.3). */
    public static void priority(ByteSink out, int streamId, Frame.PrioritySpec priority) {
        requireStream(streamId);
        frameHeader(out, 5, FrameType.PRIORITY.code(), 0, streamId);
        writePriority(out, priority);
    }

    /** Writes RST_STREAM (§6.4). */
    public static void rstStream(ByteSink out, int streamId, ErrorCode errorCode) {
        rstStream(out, streamId, errorCode.code());
    }

    /** Writes RST_STREAM (§6.4) with a raw error code. */
    public static void rstStream(ByteSink out, int streamId, int errorCode) {
        requireStream(streamId);
        frameHeader(out, 4, FrameType.RST_STREAM.code(), 0, streamId);
        out.writeInt(errorCode);
    }

    /** Writes SETTINGS (§6.5) with every parameter set in {@code settings}, in identifier order. */
    public static void settings(ByteSink out, Settings settings) {
        frameHeader(out, 6 * settings.size(), FrameType.SETTINGS.code(), 0, 0);
        for (int id = Settings.HEADER_TABLE_SIZE; id <= Settings.MAX_HEADER_LIST_SIZE; id++) {
            if (settings.isSet(id)) {
                out.writeShort(id);
                out.writeInt(settings.get(id));
            }
        }
    }

    /** Writes an empty SETTINGS frame with ACK (§6.5.3). */
    public static void settingsAck(ByteSink out) {
        frameHeader(out, 0, FrameType.SETTINGS.code(), FrameFlags.ACK, 0);
    }

    /**
     * Writes PUSH_PROMISE (§6.6), followed by CONTINUATION frames when the block does not fit {@code
     * maxFrameSize}. Only servers send this; it exists for tests and symmetry.
     */
    public static void pushPromise(
            ByteSink out, int streamId, int promisedStreamId, ByteBuffer headerBlock, int maxFrameSize) {
        requireStream(streamId);
        requireStream(promisedStreamId);
        requireMaxFrameSize(maxFrameSize);
        int first = Math.min(headerBlock.remaining(), maxFrameSize - 4);
        int flags = first == headerBlock.remaining() ? FrameFlags.END_HEADERS : 0;
        frameHeader(out, 4 + first, FrameType.PUSH_PROMISE.code(), flags, streamId);
        out.writeInt(promisedStreamId);
        out.write(headerBlock, headerBlock.position(), first);
        continuations(out, streamId, headerBlock, headerBlock.position() + first, maxFrameSize);
    }

    /** Writes PING (§6.7) with 8 opaque octets, or its acknowledgement echoing them. */
    public static void ping(ByteSink out, boolean ack, long payload) {
        frameHeader(out, 8, FrameType.PING.code(), ack ? FrameFlags.ACK : 0, 0);
        out.writeLong(payload);
    }

    /** Writes GOAWAY (§6.8). */
    public static void goAway(ByteSink out, int lastStreamId, ErrorCode errorCode, ByteBuffer debugData) {
        goAway(out, lastStreamId, errorCode.code(), debugData);
    }

    /** Writes GOAWAY (§6.8) with a raw error code. */
    public static void goAway(ByteSink out, int lastStreamId, int errorCode, ByteBuffer debugData) {
        if (lastStreamId < 0) {
            throw new IllegalArgumentException("last stream id " + lastStreamId);
        }
        frameHeader(out, 8 + debugData.remaining(), FrameType.GOAWAY.code(), 0, 0);
        out.writeInt(lastStreamId);
        out.writeInt(errorCode);
        out.write(debugData);
    }

    /** Writes WINDOW_UPDATE (§6.9) for a stream, or for the connection when {@code streamId} is 0. */
    public static void windowUpdate(ByteSink out, int streamId, int increment) {
        if (increment <= 0) {
            // 0 is a protocol error at the receiver (§6.9); negative values do not fit 31 bits.
            throw new IllegalArgumentException("window increment " + increment + " outside 1..2^31-1");
        }
        frameHeader(out, 4, FrameType.WINDOW_UPDATE.code(), 0, streamId);
        out.writeInt(increment);
    }

    /**
     * Writes exactly one frame from its record, including the flags, padding and priority fields the record
     * describes and which the methods above never send (a client has no use for padding). No splitting: the record
     * is the frame.
     */
    public static void frame(ByteSink out, Frame frame) {
        if (frame instanceof Frame.Data d) {
            boolean padded = d.padded();
            int flags = (d.endStream() ? FrameFlags.END_STREAM : 0) | (padded ? FrameFlags.PADDED : 0);
            frameHeader(out, d.flowControlledLength(), FrameType.DATA.code(), flags, d.streamId());
            int pad = d.flowControlledLength() - d.data().length - 1;
            if (padded) {
                out.write(pad);
            }
            out.write(d.data(), 0, d.data().length);
            if (padded) {
                out.writeZeros(pad);
            }
        } else if (frame instanceof Frame.Headers h) {
            int flags = (h.endStream() ? FrameFlags.END_STREAM : 0)
                    | (h.endHeaders() ? FrameFlags.END_HEADERS : 0)
                    | (h.priority() != null ? FrameFlags.PRIORITY : 0);
            int length = h.headerBlock().length + (h.priority() != null ? 5 : 0);
            frameHeader(out, length, FrameType.HEADERS.code(), flags, h.streamId());
            if (h.priority() != null) {
                writePriority(out, h.priority());
            }
            out.write(h.headerBlock(), 0, h.headerBlock().length);
        } else if (frame instanceof Frame.Priority p) {
            priority(out, p.streamId(), p.priority());
        } else if (frame instanceof Frame.RstStream r) {
            rstStream(out, r.streamId(), r.errorCode());
        } else if (frame instanceof Frame.Settings s) {
            if (s.ack()) {
                settingsAck(out);
            } else {
                settings(out, s.values());
            }
        } else if (frame instanceof Frame.PushPromise p) {
            int flags = p.endHeaders() ? FrameFlags.END_HEADERS : 0;
            frameHeader(out, 4 + p.headerBlock().length, FrameType.PUSH_PROMISE.code(), flags, p.streamId());
            out.writeInt(p.promisedStreamId());
            out.write(p.headerBlock(), 0, p.headerBlock().length);
        } else if (frame instanceof Frame.Ping p) {
            ping(out, p.ack(), p.payload());
        } else if (frame instanceof Frame.GoAway g) {
            goAway(out, g.lastStreamId(), g.errorCode(), ByteBuffer.wrap(g.debugData()));
        } else if (frame instanceof Frame.WindowUpdate w) {
            windowUpdate(out, w.streamId(), w.increment());
        } else if (frame instanceof Frame.Continuation c) {
            int flags = c.endHeaders() ? FrameFlags.END_HEADERS : 0;
            frameHeader(out, c.headerBlock().length, FrameType.CONTINUATION.code(), flags, c.streamId());
            out.write(c.headerBlock(), 0, c.headerBlock().length);
        } else {
            throw new AssertionError("unhandled frame " + frame); // the interface is sealed
        }
    }

    private static void continuations(ByteSink out, int streamId, ByteBuffer block, int index, int maxFrameSize) {
        int end = block.limit();
        while (index < end) {
            int length = Math.min(end - index, maxFrameSize);
            int flags = index + length == end ? FrameFlags.END_HEADERS : 0;
            frameHeader(out, length, FrameType.CONTINUATION.code(), flags, streamId);
            out.write(block, index, length);
            index += length;
        }
    }

    private static void writePriority(ByteSink out, Frame.PrioritySpec p) {
        out.writeInt(p.exclusive() ? p.streamDependency() | 0x8000_0000 : p.streamDependency());
        out.write(p.weight() - 1);
    }

    private static void requireStream(int streamId) {
        if (streamId <= 0) {
            throw new IllegalArgumentException("this frame type needs a stream id > 0, not " + streamId);
        }
    }

    private static void requireMaxFrameSize(int maxFrameSize) {
        if (maxFrameSize < Settings.MIN_MAX_FRAME_SIZE || maxFrameSize > Settings.MAX_MAX_FRAME_SIZE) {
            throw new IllegalArgumentException("max frame size " + maxFrameSize + " outside [16384, 16777215]");
        }
    }
}

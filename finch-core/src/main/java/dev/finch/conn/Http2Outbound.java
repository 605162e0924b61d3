package dev.finch.conn;

import dev.finch.codec.http2.ByteSink;
import dev.finch.codec.http2.ErrorCode;
import dev.finch.codec.http2.FlowWindow;
import dev.finch.codec.http2.FrameEncoder;
import dev.finch.codec.http2.FrameFlags;
import dev.finch.codec.http2.FrameType;
import dev.finch.codec.http2.Hpack;
import dev.finch.codec.http2.Settings;
import dev.finch.http.HttpHeaders;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * Everything we send, in wire order: frames are appended to one buffer that the connection writes out, and request
 * bodies wait here for send window (RFC 9113 §6.9). A body larger than the windows does not fail (Mint fails with
 * exceeds_window_size): what the windows allow goes out at once, the rest when WINDOW_UPDATEs arrive ({@link
 * #drain}). Streams with waiting bodies take turns, one frame each, so one large upload cannot starve the others.
 *
 * <p>Header blocks are HPACK-encoded only when they are written, because the encoder's state must follow wire
 * order: trailers queued behind a body are encoded when the body has drained. Not thread-safe.
 */
final class Http2Outbound {
    /** After a flush, an output buffer that grew beyond this is dropped rather than kept. */
    private static final int RETAINED_OUTPUT = 1024 * 1024;

    private static final int MAX_DEBUG_DATA = 256;

    private final Hpack hpack;
    private final ByteSink block = new ByteSink(1024);
    private ByteSink sink = new ByteSink(16 * 1024);
    /** The connection send window: 65,535 until the server's WINDOW_UPDATEs (§6.9.2; SETTINGS never change it). */
    private final FlowWindow connectionWindow = new FlowWindow(0, Settings.DEFAULT_INITIAL_WINDOW_SIZE);
    /** The server's SETTINGS_MAX_FRAME_SIZE: the largest frame we may send. */
    private int maxFrameSize = Settings.MIN_MAX_FRAME_SIZE;

    private final ArrayDeque<Http2Stream> waiting = new ArrayDeque<>();

    Http2Outbound(Hpack hpack) {
        this.hpack = hpack;
    }

    // ------------------------------------------------------------------------------------------------ frames

    /** The connection preface (§3.4): the magic, our SETTINGS, and a WINDOW_UPDATE raising the connection window. */
    void preface(Settings settings, int connectionWindowGrowth) {
        FrameEncoder.connectionPreface(sink);
        FrameEncoder.settings(sink, settings);
        if (connectionWindowGrowth > 0) {
            FrameEncoder.windowUpdate(sink, 0, connectionWindowGrowth);
        }
    }

    /** A complete field block: HEADERS plus CONTINUATIONs as the server's frame size requires (§4.3, §6.10). */
    void headers(int streamId, HttpHeaders fields, boolean endStream) {
        block.clear();
        hpack.encode(fields, block);
        FrameEncoder.headers(sink, streamId, block.buffer(), endStream, maxFrameSize);
    }

    void rstStream(int streamId, ErrorCode code) {
        FrameEncoder.rstStream(sink, streamId, code);
    }

    void settings(Settings settings) {
        FrameEncoder.settings(sink, settings);
    }

    void settingsAck() {
        FrameEncoder.settingsAck(sink);
    }

    void ping(boolean ack, long payload) {
        FrameEncoder.ping(sink, ack, payload);
    }

    void windowUpdate(int streamId, int increment) {
        if (increment > 0) {
            FrameEncoder.windowUpdate(sink, streamId, increment);
        }
    }

    /** GOAWAY (§6.8) with a short debug text; a client has accepted no server streams, so last-stream-id is 0. */
    void goAway(ErrorCode code, String debug) {
        byte[] text = debug == null ? new byte[0] : debug.getBytes(StandardCharsets.UTF_8);
        int length = Math.min(text.length, MAX_DEBUG_DATA);
        FrameEncoder.goAway(sink, 0, code, ByteBuffer.wrap(text, 0, length));
    }

    /** The server changed SETTINGS_MAX_FRAME_SIZE. */
    void maxFrameSize(int size) {
        this.maxFrameSize = size;
    }

    // ------------------------------------------------------------------------------------------------ output

    /** Bytes waiting to be written. */
    int outputSize() {
        return sink.size();
    }

    /** The bytes to write, valid until {@link #clearOutput()} or the next frame. */
    ByteBuffer output() {
        return sink.buffer();
    }

    /** Forgets the written output, dropping the buffer if a large body made it grow. */
    void clearOutput() {
        if (sink.size() > RETAINED_OUTPUT) {
            sink = new ByteSink(16 * 1024);
        } else {
            sink.clear();
        }
    }

    // ------------------------------------------------------------------------------------------ flow control

    /** The connection send window (§6.9). */
    FlowWindow connectionWindow() {
        return connectionWindow;
    }

    /**
     * Queues body bytes of {@code s} behind any already waiting. The buffer is read later, from its position, and
     * must not change until sent; the caller copies what it does not own.
     */
    void queueBody(Http2Stream s, ByteBuffer data) {
        if (!data.hasRemaining()) {
            return;
        }
        s.pending.addLast(data);
        s.pendingBytes += data.remaining();
        enlist(s);
    }

    /** Queues the end of the body of {@code s}: END_STREAM, or trailers as a final HEADERS frame (§8.1). */
    void queueEnd(Http2Stream s, HttpHeaders trailers) {
        s.endQueued = true;
        s.trailers = trailers == null || trailers.isEmpty() ? null : trailers;
        enlist(s);
    }

    /** Stops sending for {@code s}: it was reset, or its response ended first. */
    void forget(Http2Stream s) {
        s.dropPending();
        waiting.remove(s);
    }

    /** Writes what the send windows allow now, a frame per waiting stream in turn. */
    void drain() {
        boolean progress = true;
        while (progress && !waiting.isEmpty()) {
            progress = false;
            for (int turns = waiting.size(); turns > 0; turns--) {
                Http2Stream s = waiting.pollFirst();
                progress |= writeNext(s);
                if (s.hasPendingOutput()) {
                    waiting.addLast(s);
                }
            }
        }
    }

    /**
     * How many more body bytes {@code s} could send now without waiting: what both windows allow (§6.9.1) less what
     * is already queued.
     */
    long available(Http2Stream s) {
        long windows = Math.min(connectionWindow.available(), s.sendWindow.available());
        return Math.max(0, windows - s.pendingBytes);
    }

    private void enlist(Http2Stream s) {
        if (!waiting.contains(s)) {
            waiting.addLast(s);
        }
    }

    /** Writes one DATA frame, or the end of the body, for {@code s} if the windows allow; whether it wrote one. */
    private boolean writeNext(Http2Stream s) {
        if (s.pendingBytes > 0) {
            long windows = Math.min(connectionWindow.available(), s.sendWindow.available());
            int length = (int) Math.min(Math.min(windows, maxFrameSize), s.pendingBytes);
            if (length <= 0) {
                return false;
            }
            boolean last = length == s.pendingBytes && s.endQueued && s.trailers == null;
            FrameEncoder.frameHeader(sink, length, FrameType.DATA.code(), last ? FrameFlags.END_STREAM : 0, s.id);
            copyPending(s, length);
            connectionWindow.consume(length);
            s.sendWindow.consume(length);
            s.onSent(Http2Stream.Event.SEND_DATA);
            if (last) {
                s.onSent(Http2Stream.Event.SEND_END_STREAM);
            }
            return true;
        }
        if (s.endQueued && !s.isLocalClosed()) {
            if (s.trailers != null) {
                headers(s.id, s.trailers, true);
                s.onSent(Http2Stream.Event.SEND_HEADERS);
            } else {
                // An empty DATA frame is not flow-controlled (§6.9.1 counts payload only).
                FrameEncoder.data(sink, s.id, ByteBuffer.allocate(0), true, maxFrameSize);
            }
            s.onSent(Http2Stream.Event.SEND_END_STREAM);
            return true;
        }
        return false;
    }

    private void copyPending(Http2Stream s, int length) {
        int left = length;
        while (left > 0) {
            ByteBuffer b = s.pending.peekFirst();
            int n = Math.min(left, b.remaining());
            sink.write(b, b.position(), n);
            b.position(b.position() + n);
            left -= n;
            if (!b.hasRemaining()) {
                s.pending.pollFirst();
            }
        }
        s.pendingBytes -= length;
    }
}

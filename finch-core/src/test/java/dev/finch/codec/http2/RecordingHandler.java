package dev.finch.codec.http2;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link FrameHandler} that records every callback as a value, in order: frames as {@link Frame} records (copying
 * the loaned buffers), stream errors as {@link StreamError}.
 */
class RecordingHandler implements FrameHandler {
    /** A stream error reported by the decoder. */
    record StreamError(int streamId, ErrorCode errorCode) {}

    final List<Object> events = new ArrayList<>();

    @Override
    public void data(int streamId, boolean endStream, ByteBuffer data, int flowControlledLength) {
        events.add(new Frame.Data(streamId, endStream, copy(data), flowControlledLength));
    }

    @Override
    public void headers(int streamId, boolean endStream, Frame.PrioritySpec priority, ByteBuffer headerBlock) {
        events.add(new Frame.Headers(streamId, endStream, true, priority, copy(headerBlock)));
    }

    @Override
    public void priority(int streamId, Frame.PrioritySpec priority) {
        events.add(new Frame.Priority(streamId, priority));
    }

    @Override
    public void rstStream(int streamId, int errorCode) {
        events.add(new Frame.RstStream(streamId, errorCode));
    }

    @Override
    public void settings(boolean ack, Settings settings) {
        events.add(new Frame.Settings(ack, settings));
    }

    @Override
    public void pushPromise(int streamId, int promisedStreamId, ByteBuffer headerBlock) {
        events.add(new Frame.PushPromise(streamId, promisedStreamId, true, copy(headerBlock)));
    }

    @Override
    public void ping(boolean ack, long payload) {
        events.add(new Frame.Ping(ack, payload));
    }

    @Override
    public void goAway(int lastStreamId, int errorCode, ByteBuffer debugData) {
        events.add(new Frame.GoAway(lastStreamId, errorCode, copy(debugData)));
    }

    @Override
    public void windowUpdate(int streamId, int increment) {
        events.add(new Frame.WindowUpdate(streamId, increment));
    }

    @Override
    public void streamError(Http2StreamException error) {
        events.add(new StreamError(error.streamId(), error.errorCode()));
    }

    static byte[] copy(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}

package dev.finch.conn;

import dev.finch.codec.http2.ErrorCode;
import dev.finch.codec.http2.Frame;
import dev.finch.codec.http2.FrameDecoder;
import dev.finch.codec.http2.FrameHandler;
import dev.finch.codec.http2.FrameType;
import dev.finch.codec.http2.Hpack;
import dev.finch.codec.http2.Http2ConnectionException;
import dev.finch.codec.http2.Http2StreamException;
import dev.finch.codec.http2.ReceiveWindow;
import dev.finch.codec.http2.Settings;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.HttpProtocolException.Reason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Dispatches the server's frames (RFC 9113 §6) to streams and connection state, adding response parts to {@link
 * #out} and answers (ACKs, WINDOW_UPDATEs, RST_STREAMs, queued DATA) to the {@link Http2Outbound}. Stream errors
 * are handled here, never thrown: the stream is reset and its request gets an Error part (§5.4.2). Connection errors
 * are thrown as {@link Http2ConnectionException}; {@link Http2Connection} then sends GOAWAY and closes (§5.4.1).
 * Not thread-safe.
 */
final class Http2Inbound implements FrameHandler {
    private final Http2Streams streams;
    private final Http2Outbound outbound;
    private final Http2Control control;
    private final Http2FloodGuard floods;
    private final Hpack hpack;
    private final FrameDecoder decoder;
    private final ReceiveWindow connectionWindow;
    private final boolean releaseOnConsume;
    /** Bytes handed out in Data parts and not yet reported consumed, per request (ON_CONSUME only). */
    private final Map<RequestRef, Long> unconsumed;

    /** Where parts go during one decode call. */
    List<ResponsePart> out;

    /** Set when a send window grew (WINDOW_UPDATE, a larger INITIAL_WINDOW_SIZE); the connection clears it. */
    boolean sendWindowGrew;

    private boolean serverPrefaceSeen;
    private int goAwayLastStreamId = -1;
    private int goAwayCode;
    private String goAwayDebug;

    Http2Inbound(
            Http2Streams streams,
            Http2Outbound outbound,
            Http2Control control,
            Http2FloodGuard floods,
            Hpack hpack,
            FrameDecoder decoder,
            ReceiveWindow connectionWindow,
            Map<RequestRef, Long> unconsumed) {
        this.streams = streams;
        this.outbound = outbound;
        this.control = control;
        this.floods = floods;
        this.hpack = hpack;
        this.decoder = decoder;
        this.connectionWindow = connectionWindow;
        this.releaseOnConsume = unconsumed != null;
        this.unconsumed = unconsumed;
    }

    /** Whether any frame of the server's has arrived (its preface, §3.4). */
    boolean serverPrefaceSeen() {
        return serverPrefaceSeen;
    }

    /** Whether the server sent GOAWAY: no new streams, the ones at or below its last-stream-id may finish. */
    boolean goAwayReceived() {
        return goAwayLastStreamId >= 0;
    }

    /** The error requests still in flight get when the server closes after GOAWAY, or null without GOAWAY. */
    HttpProtocolException goAwayError() {
        if (!goAwayReceived()) {
            return null;
        }
        return new Http2ConnectionException(
                ErrorCode.of(goAwayCode),
                Reason.SERVER_CLOSED_CONNECTION,
                "GOAWAY " + ErrorCode.describe(goAwayCode) + debugSuffix(),
                null);
    }

    // --------------------------------------------------------------------------------------------- streams

    @Override
    public void data(int streamId, boolean endStream, ByteBuffer data, int flowControlledLength)
            throws HttpProtocolException {
        checkPreface(FrameType.DATA);
        if (flowControlledLength == 0 && !endStream) {
            floods.emptyFrame();
        }
        int length = data.remaining();
        // §6.9.1: every DATA frame counts against the connection window, whatever its stream's state.
        outbound.windowUpdate(0, connectionWindow.receive(flowControlledLength, length));
        Http2Stream s = streams.get(streamId);
        if (s == null) {
            release(length);
            lateData(streamId, flowControlledLength);
            return;
        }
        try {
            s.transition(Http2Stream.Event.RECV_DATA);
            int increment = s.receiveWindow.receive(flowControlledLength, length);
            Http2ResponseReader.data(s, length);
            if (!endStream) {
                outbound.windowUpdate(s.id, increment);
            }
        } catch (Http2StreamException e) {
            release(length);
            reset(s, e);
            return;
        }
        if (length > 0) {
            byte[] bytes = new byte[length];
            data.get(bytes);
            out.add(new ResponsePart.Data(s.ref, bytes));
            if (releaseOnConsume) {
                unconsumed.merge(s.ref, (long) length, Long::sum);
            }
        }
        if (endStream) {
            endOfResponse(s);
        }
    }

    @Override
    public void headers(int streamId, boolean endStream, Frame.PrioritySpec priority, ByteBuffer headerBlock)
            throws HttpProtocolException {
        checkPreface(FrameType.HEADERS);
        if (!headerBlock.hasRemaining()) {
            floods.emptyFrame();
        }
        Http2Stream s = streams.get(streamId);
        if (s == null) {
            lateHeaders(streamId, headerBlock);
            return;
        }
        try {
            HttpHeaders fields = hpack.decode(streamId, headerBlock); // a COMPRESSION_ERROR ends the connection
            s.transition(Http2Stream.Event.RECV_HEADERS);
            Http2ResponseReader.headers(s, fields, endStream, out);
        } catch (Http2StreamException e) {
            reset(s, e);
            return;
        }
        if (endStream) {
            endOfResponse(s);
        }
    }

    @Override
    public void priority(int streamId, Frame.PrioritySpec priority) throws HttpProtocolException {
        checkPreface(FrameType.PRIORITY);
        floods.emptyFrame(); // §5.3.2: deprecated; ignored, so it is work without use
    }

    @Override
    public void rstStream(int streamId, int errorCode) throws HttpProtocolException {
        checkPreface(FrameType.RST_STREAM);
        Http2Stream s = streams.get(streamId);
        if (s == null) {
            if (streams.isIdle(streamId)) {
                throw new Http2ConnectionException(
                        ErrorCode.PROTOCOL_ERROR, "RST_STREAM on idle stream " + streamId + " (RFC 9113 §6.4)");
            }
            floods.closedStreamFrame(); // §5.1: may cross our END_STREAM or RST_STREAM in flight
            return;
        }
        s.transition(Http2Stream.Event.RECV_RST_STREAM);
        close(s, Http2Streams.Closed.NORMALLY);
        ErrorCode code = ErrorCode.of(errorCode);
        if (errorCode == ErrorCode.NO_ERROR.code() && Http2ResponseReader.isComplete(s)) {
            // §8.1: a server that has answered may stop the rest of the request body with NO_ERROR.
            out.add(new ResponsePart.Done(s.ref));
        } else if (code == ErrorCode.REFUSED_STREAM) {
            out.add(new ResponsePart.Error(
                    s.ref,
                    new Http2StreamException(
                            s.id,
                            code,
                            Reason.UNPROCESSED,
                            "server refused stream " + s.id + " before processing it (RFC 9113 §8.7)")));
        } else {
            out.add(new ResponsePart.Error(
                    s.ref,
                    new Http2StreamException(
                            s.id,
                            code,
                            Reason.SERVER_CLOSED_REQUEST,
                            "RST_STREAM " + ErrorCode.describe(errorCode) + " on stream " + s.id)));
        }
    }

    @Override
    public void pushPromise(int streamId, int promisedStreamId, ByteBuffer headerBlock) throws HttpProtocolException {
        checkPreface(FrameType.PUSH_PROMISE);
        // §8.4: we sent SETTINGS_ENABLE_PUSH 0 before any request, so no push can be legitimate.
        throw new Http2ConnectionException(
                ErrorCode.PROTOCOL_ERROR,
                "PUSH_PROMISE for stream " + promisedStreamId + " with SETTINGS_ENABLE_PUSH 0 (RFC 9113 §6.6)");
    }

    @Override
    public void windowUpdate(int streamId, int increment) throws HttpProtocolException {
        checkPreface(FrameType.WINDOW_UPDATE);
        if (streamId == 0) {
            outbound.connectionWindow().increment(increment); // overflow: connection FLOW_CONTROL_ERROR (§6.9.1)
            sendWindowGrew = true;
            outbound.drain();
            return;
        }
        Http2Stream s = streams.get(streamId);
        if (s == null) {
            if (streams.isIdle(streamId)) {
                throw new Http2ConnectionException(
                        ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE on idle stream " + streamId + " (RFC 9113 §5.1)");
            }
            floods.closedStreamFrame(); // §5.1 tolerates it after END_STREAM or RST_STREAM; Mint errors here
            return;
        }
        try {
            s.sendWindow.increment(increment);
        } catch (Http2StreamException e) {
            reset(s, e);
            return;
        }
        sendWindowGrew = true;
        outbound.drain();
    }

    @Override
    public void streamError(Http2StreamException error) throws HttpProtocolException {
        if (!serverPrefaceSeen) {
            throw new Http2ConnectionException(ErrorCode.PROTOCOL_ERROR, "the server's first frame is not SETTINGS");
        }
        Http2Stream s = streams.get(error.streamId());
        if (s != null) {
            reset(s, error);
        } else if (streams.isIdle(error.streamId())) {
            floods.emptyFrame(); // no RST_STREAM on an idle stream (§6.4); nothing to reset
        } else {
            floods.closedStreamFrame();
        }
    }

    // ---------------------------------------------------------------------------------------- connection

    @Override
    public void settings(boolean ack, Settings settings) throws HttpProtocolException {
        if (ack) {
            checkPreface(FrameType.SETTINGS);
            Settings before = control.client();
            Settings applied = control.acknowledged();
            if (applied == null) {
                floods.emptyFrame();
                return;
            }
            applyOurs(before, applied);
            return;
        }
        serverPrefaceSeen = true;
        floods.settings();
        if (settings.isSet(Settings.ENABLE_PUSH) && settings.enablePush()) {
            throw new Http2ConnectionException(
                    ErrorCode.PROTOCOL_ERROR, "a server sent SETTINGS_ENABLE_PUSH 1 (RFC 9113 §6.5.2)");
        }
        Settings before = control.applyServer(settings);
        if (settings.isSet(Settings.HEADER_TABLE_SIZE)) {
            hpack.setPeerHeaderTableSize(settings.headerTableSize());
        }
        if (settings.isSet(Settings.MAX_FRAME_SIZE)) {
            outbound.maxFrameSize(settings.maxFrameSize());
        }
        if (settings.isSet(Settings.INITIAL_WINDOW_SIZE)) {
            // §6.9.2: the change applies to every open stream and may leave windows negative.
            int delta = settings.initialWindowSize() - before.initialWindowSize();
            for (Http2Stream s : streams.all()) {
                s.sendWindow.applyInitialWindowSizeChange(delta);
            }
            sendWindowGrew |= delta > 0;
        }
        outbound.settingsAck(); // §6.5.3: applied, then acknowledged
        outbound.drain();
    }

    /** Our SETTINGS were acknowledged: from now on the server follows them (§6.5.3). */
    private void applyOurs(Settings before, Settings applied) {
        if (applied.isSet(Settings.INITIAL_WINDOW_SIZE)) {
            int delta = applied.initialWindowSize() - before.initialWindowSize();
            for (Http2Stream s : streams.all()) {
                s.receiveWindow.applyInitialWindowSizeChange(delta);
            }
        }
        if (applied.isSet(Settings.MAX_FRAME_SIZE)) {
            decoder.setMaxFrameSize(applied.maxFrameSize());
        }
        if (applied.isSet(Settings.HEADER_TABLE_SIZE)) {
            hpack.setDecoderTableSize(applied.headerTableSize());
        }
    }

    @Override
    public void ping(boolean ack, long payload) throws HttpProtocolException {
        checkPreface(FrameType.PING);
        if (!ack) {
            floods.ping();
            outbound.ping(true, payload); // §6.7: answer with the same payload
            return;
        }
        RequestRef ref = control.pongReceived(payload);
        if (ref == null) {
            floods.emptyFrame();
        } else {
            out.add(new ResponsePart.Pong(ref));
        }
    }

    @Override
    public void goAway(int lastStreamId, int errorCode, ByteBuffer debugData) throws HttpProtocolException {
        boolean first = !serverPrefaceSeen;
        serverPrefaceSeen = true;
        byte[] debug = new byte[Math.min(debugData.remaining(), 512)];
        debugData.get(debugData.position(), debug);
        goAwayDebug = new String(debug, StandardCharsets.UTF_8);
        goAwayCode = errorCode;
        // §6.8: a later GOAWAY may lower the last-stream-id, never raise it.
        goAwayLastStreamId = goAwayLastStreamId < 0 ? lastStreamId : Math.min(goAwayLastStreamId, lastStreamId);
        for (Http2Stream s : streams.all()) {
            if (s.id > goAwayLastStreamId) {
                close(s, Http2Streams.Closed.NORMALLY);
                out.add(new ResponsePart.Error(
                        s.ref,
                        new HttpProtocolException(
                                Reason.UNPROCESSED,
                                "stream " + s.id + " is above the last-stream-id " + goAwayLastStreamId
                                        + " of the server's GOAWAY " + ErrorCode.describe(errorCode)
                                        + " (RFC 9113 §6.8)")));
            }
        }
        if (first) {
            throw new Http2ConnectionException(
                    ErrorCode.of(errorCode),
                    Reason.SERVER_CLOSED_CONNECTION,
                    "GOAWAY " + ErrorCode.describe(errorCode) + " instead of SETTINGS" + debugSuffix(),
                    null);
        }
    }

    // ------------------------------------------------------------------------------------------- helpers

    /** §3.4: the server's preface is a SETTINGS frame; anything else first is a connection error. */
    private void checkPreface(FrameType type) throws Http2ConnectionException {
        if (!serverPrefaceSeen) {
            throw new Http2ConnectionException(
                    ErrorCode.PROTOCOL_ERROR, "the server's first frame is " + type + ", not SETTINGS (RFC 9113 §3.4)");
        }
    }

    /** The server ended its response on {@code s} (END_STREAM). */
    private void endOfResponse(Http2Stream s) throws HttpProtocolException {
        try {
            Http2ResponseReader.end(s);
        } catch (Http2StreamException e) {
            reset(s, e);
            return;
        }
        s.transition(Http2Stream.Event.RECV_END_STREAM);
        out.add(new ResponsePart.Done(s.ref));
        if (s.state() == Http2Stream.State.HALF_CLOSED_REMOTE) {
            // §8.1: the server answered before our body ended; stop sending it, without error (as Mint).
            outbound.rstStream(s.id, ErrorCode.NO_ERROR);
            s.onSent(Http2Stream.Event.SEND_RST_STREAM);
        }
        close(s, Http2Streams.Closed.NORMALLY);
    }

    /** A stream error (§5.4.2): RST_STREAM with its code, and the request ends with the error. */
    void reset(Http2Stream s, Http2StreamException e) {
        outbound.rstStream(s.id, e.errorCode());
        s.onSent(Http2Stream.Event.SEND_RST_STREAM);
        close(s, Http2Streams.Closed.RESET_BY_US);
        out.add(new ResponsePart.Error(s.ref, e));
    }

    void close(Http2Stream s, Http2Streams.Closed how) {
        outbound.forget(s);
        streams.remove(s, how);
    }

    /** DATA for a stream that is not live. */
    private void lateData(int streamId, int flowControlledLength) throws HttpProtocolException {
        if (streams.isIdle(streamId)) {
            throw new Http2ConnectionException(
                    ErrorCode.PROTOCOL_ERROR, "DATA on idle stream " + streamId + " (RFC 9113 §5.1)");
        }
        if (streams.howClosed(streamId) == Http2Streams.Closed.RESET_BY_US && flowControlledLength > 0) {
            return; // §5.1: sent before our RST_STREAM arrived; flow control bounds it
        }
        floods.closedStreamFrame();
        outbound.rstStream(streamId, ErrorCode.STREAM_CLOSED); // §6.1: a stream error STREAM_CLOSED
    }

    /** HEADERS for a stream that is not live: decoded to keep HPACK in step (§4.3), then dropped. */
    private void lateHeaders(int streamId, ByteBuffer headerBlock) throws HttpProtocolException {
        if (streams.isIdle(streamId)) {
            throw new Http2ConnectionException(
                    ErrorCode.PROTOCOL_ERROR,
                    "HEADERS on stream " + streamId + ", which we never opened (push is disabled; RFC 9113 §5.1.1)");
        }
        try {
            hpack.decode(streamId, headerBlock);
        } catch (Http2StreamException ignored) {
            // Well-formed HPACK, malformed fields: the table is in step, and the fields are dropped anyway.
        }
        floods.closedStreamFrame();
    }

    /** Gives back connection window for DATA nobody will consume (ON_CONSUME only; ON_RECEIVE already did). */
    private void release(int length) {
        if (releaseOnConsume && length > 0) {
            outbound.windowUpdate(0, connectionWindow.consume(length));
        }
    }

    private String debugSuffix() {
        return goAwayDebug == null || goAwayDebug.isEmpty() ? "" : ": " + goAwayDebug;
    }
}

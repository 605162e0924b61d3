package dev.finch.conn;

import dev.finch.codec.http2.ErrorCode;
import dev.finch.codec.http2.FlowWindow;
import dev.finch.codec.http2.Hpack;
import dev.finch.codec.http2.ReceiveWindow;
import dev.finch.codec.http2.RequestHeaderValidator;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.HttpProtocolException.Reason;
import java.nio.ByteBuffer;

/**
 * The sending half of {@link Http2Connection}'s request operations: checks, stream creation and frames, without I/O
 * (the connection writes what they produce). Every check runs before the HPACK encoder or a stream is touched, so a
 * refused call leaves no trace. Not thread-safe.
 */
final class Http2Requests {
    private final Scheme scheme;
    private final String authority;
    private final String userAgent;
    private final boolean validateTarget;
    private final Http2Options http2;
    private final Http2Streams streams;
    private final Http2Outbound outbound;
    private final Http2Control control;
    private final Http2FloodGuard floods;
    private final Http2Inbound inbound;

    Http2Requests(
            Scheme scheme,
            String authority,
            ConnectOptions options,
            Http2Streams streams,
            Http2Outbound outbound,
            Http2Control control,
            Http2FloodGuard floods,
            Http2Inbound inbound) {
        this.scheme = scheme;
        this.authority = authority;
        this.userAgent = options.userAgent();
        this.validateTarget = options.validateTarget();
        this.http2 = options.http2();
        this.streams = streams;
        this.outbound = outbound;
        this.control = control;
        this.floods = floods;
        this.inbound = inbound;
    }

    /** Opens a stream for a request: HEADERS, and for a byte body the DATA the windows allow (the rest waits). */
    Http2Stream open(String method, String target, HttpHeaders headers, RequestBody body) throws HttpProtocolException {
        int limit = control.server().maxConcurrentStreams();
        if (streams.size() >= limit) {
            throw new HttpProtocolException(
                    Reason.TOO_MANY_CONCURRENT_REQUESTS,
                    streams.size() + " requests in flight, the server's SETTINGS_MAX_CONCURRENT_STREAMS is " + limit);
        }
        ByteBuffer bytes = body instanceof RequestBody.Bytes b ? b.buffer().duplicate() : null;
        boolean streaming = body == RequestBody.streaming();
        long declared = Http2RequestFields.declaredLength(headers);
        if (declared >= 0 && !streaming && declared != (bytes == null ? 0 : bytes.remaining())) {
            throw new HttpProtocolException(
                    Reason.INVALID_CONTENT_LENGTH, "content-length " + declared + " does not match the body");
        }
        HttpHeaders fields = Http2RequestFields.build(
                method,
                target,
                headers,
                scheme,
                authority,
                userAgent,
                validateTarget,
                bytes == null ? -1 : bytes.remaining());
        checkHeaderListSize(fields, "request");

        // Nothing below refuses the request: the HPACK encoder's state changes only now.
        int id = streams.allocateId();
        Http2Stream s = new Http2Stream(
                id,
                new RequestRef(),
                method.equals("HEAD"),
                new FlowWindow(id, control.server().initialWindowSize()),
                new ReceiveWindow(
                        id,
                        control.client().initialWindowSize(),
                        http2.windowUpdateThreshold(),
                        http2.receiveWindowRelease()));
        streams.add(s);
        floods.streamOpened();
        boolean endStream = !streaming && (bytes == null || !bytes.hasRemaining());
        outbound.headers(id, fields, endStream);
        s.onSent(Http2Stream.Event.SEND_HEADERS);
        if (endStream) {
            s.onSent(Http2Stream.Event.SEND_END_STREAM);
        } else if (streaming) {
            s.streaming = true;
            s.declaredLength = declared;
        } else {
            outbound.queueBody(s, bytes);
            outbound.queueEnd(s, null);
            outbound.drain();
        }
        return s;
    }

    /** Queues a piece of a streamed body and sends what the windows allow; the rest is copied. */
    Http2Stream body(RequestRef ref, ByteBuffer chunk) throws HttpProtocolException {
        Http2Stream s = streaming(ref);
        int length = chunk.remaining();
        if (length == 0) {
            return s;
        }
        if (s.declaredLength >= 0 && s.bodyBytes + length > s.declaredLength) {
            throw new HttpProtocolException(
                    Reason.INVALID_CONTENT_LENGTH,
                    "body would exceed its content-length by " + (s.bodyBytes + length - s.declaredLength) + " bytes");
        }
        s.bodyBytes += length;
        ByteBuffer view = chunk.duplicate();
        chunk.position(chunk.limit());
        outbound.queueBody(s, view);
        outbound.drain();
        if (view.hasRemaining()) {
            // The caller may reuse its buffer once this returns: keep a copy of what waits for window.
            s.pending.pollLast();
            s.pending.addLast(ByteBuffer.allocate(view.remaining()).put(view).flip());
        }
        return s;
    }

    /**
     * Ends a streamed body: END_STREAM, or trailers as HEADERS with END_STREAM, once the queued body has gone out
     * (RFC 9113 §8.1).
     *
     * @return null, or the INVALID_CONTENT_LENGTH error of a body that fell short of its content-length: the stream
     *     was then reset (§8.1.1: the server would see a malformed request) and the request ends with that error
     */
    HttpProtocolException end(RequestRef ref, HttpHeaders trailers) throws HttpProtocolException {
        Http2Stream s = streaming(ref);
        HttpHeaders t = null;
        if (trailers != null && !trailers.isEmpty()) {
            t = RequestHeaderValidator.lowercaseNames(trailers);
            RequestHeaderValidator.validateTrailers(t);
            checkHeaderListSize(t, "trailer");
        }
        if (s.declaredLength >= 0 && s.bodyBytes != s.declaredLength) {
            reset(s, ErrorCode.CANCEL);
            return new HttpProtocolException(
                    Reason.INVALID_CONTENT_LENGTH,
                    "body ended " + (s.declaredLength - s.bodyBytes) + " bytes short of its content-length");
        }
        s.streaming = false;
        outbound.queueEnd(s, t);
        outbound.drain();
        return null;
    }

    /** Resets {@code s} with {@code code} and forgets it; frames the server already sent will be ignored (§5.1). */
    void reset(Http2Stream s, ErrorCode code) {
        outbound.rstStream(s.id, code);
        s.onSent(Http2Stream.Event.SEND_RST_STREAM);
        inbound.close(s, Http2Streams.Closed.RESET_BY_US);
        inbound.discard(s.ref); // the request ends with an Error: nobody will consume its Data
    }

    /** How many body bytes {@code ref} could send now without queueing; 0 unless it streams its body. */
    long bodyWindow(RequestRef ref) {
        Http2Stream s = streams.get(ref);
        return s == null || !s.streaming ? 0 : outbound.available(s);
    }

    private Http2Stream streaming(RequestRef ref) throws HttpProtocolException {
        Http2Stream s = streams.get(ref);
        if (s == null || !s.streaming) {
            throw new HttpProtocolException(Reason.UNKNOWN_REQUEST, ref + " is not streaming a body here");
        }
        return s;
    }

    private void checkHeaderListSize(HttpHeaders fields, String what) throws HttpProtocolException {
        long size = Hpack.headerListSize(fields);
        int limit = control.server().maxHeaderListSize();
        if (size > limit) {
            throw new HttpProtocolException(
                    Reason.MAX_HEADER_LIST_SIZE_EXCEEDED,
                    what + " header list of " + size + " bytes exceeds the server's SETTINGS_MAX_HEADER_LIST_SIZE "
                            + limit + " (RFC 9113 §6.5.2)");
        }
    }
}

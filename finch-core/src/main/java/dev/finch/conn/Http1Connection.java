package dev.finch.conn;

import dev.finch.codec.http1.Http1Decoder;
import dev.finch.codec.http1.Http1Encoder;
import dev.finch.codec.http1.Http1Encoder.BodyFraming;
import dev.finch.codec.http1.Http1Encoder.BodyShape;
import dev.finch.codec.http1.Http1ResponseHandler;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.HttpProtocolException.Reason;
import dev.finch.http.TransportException;
import dev.finch.transport.Transport;
import dev.finch.transport.Transports;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * An HTTP/1.1 connection (RFC 9112): requests are pipelined and their responses matched first-in first-out. See
 * {@link HttpConnection} for ownership, modes and errors.
 *
 * <p>Not thread-safe by design: one owner drives it, and it changes in place.
 */
final class Http1Connection extends BaseConnection {
    private static final int READ_BUFFER_SIZE = 32 * 1024;
    /**
     * Bytes one recv/stream call reads at most. A fast peer must not make one call buffer without bound, nor (in
     * active mode) starve the other connections of the owner's selector; the rest is read by the next call.
     */
    private static final int READ_BUDGET = 8 * READ_BUFFER_SIZE;

    private static final ByteBuffer[] NO_BUFFERS = new ByteBuffer[0];

    private final String authority;
    /** Non-null when the transport goes to a forward proxy: added to each request. */
    private final HttpHeaders proxyHeaders;

    private final ConnectOptions options;
    private final Http1Encoder.Options encoderOptions;
    private final Http1Decoder decoder;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);
    private final ArrayDeque<RequestRef> inFlight = new ArrayDeque<>();
    private final PartCollector collector = new PartCollector();

    /** Output the socket did not take yet (active mode); written first when sending again. */
    private final ArrayDeque<ByteBuffer> pendingOutput = new ArrayDeque<>();

    /** The request whose body is streaming, and how it is framed. */
    private RequestRef streaming;

    private BodyFraming streamingFraming;
    private long streamingRemaining;

    /** The request after whose response the connection closes (the caller sent {@code connection: close}). */
    private RequestRef lastRequest;

    /** Requests sent on this connection so far: a reused connection is checked for a server-side close first. */
    private long requestsSent;

    private boolean closed;
    /** Parts produced by a failure outside recv/stream, handed out by the next call. */
    private List<ResponsePart> pendingParts;
    /** An error that no request could carry, thrown by the next recv/stream. */
    private IOException pendingError;

    Http1Connection(Transport transport, String authority, ConnectOptions options) {
        this(transport, authority, options, null);
    }

    /**
     * A connection to a forward proxy for the http origin {@code authority} when {@code proxyHeaders} is not null:
     * each origin-form target is sent in absolute form and the proxy headers go with each request.
     */
    Http1Connection(Transport transport, String authority, ConnectOptions options, HttpHeaders proxyHeaders) {
        super(transport);
        this.authority = authority;
        this.proxyHeaders = proxyHeaders;
        this.options = options;
        this.encoderOptions =
                new Http1Encoder.Options(options.preserveHeaderCase(), options.validateTarget(), options.userAgent());
        this.decoder = new Http1Decoder(options.http1Limits());
    }

    @Override
    public Protocol protocol() {
        return Protocol.HTTP1;
    }

    @Override
    public RequestRef request(String method, String target, HttpHeaders headers, RequestBody body) throws IOException {
        checkOwner();
        if (closed) {
            throw new HttpProtocolException(Reason.CLOSED, "cannot send a request on a closed connection");
        }
        if (lastRequest != null) {
            throw new HttpProtocolException(
                    Reason.CLOSED,
                    "the connection closes after " + lastRequest + ", which asked for connection: close");
        }
        if (streaming != null) {
            throw new HttpProtocolException(
                    Reason.REQUEST_BODY_IS_STREAMING, "request " + streaming + " must end its body first");
        }
        HttpHeaders fields = headers == null ? HttpHeaders.EMPTY : headers;
        String wireTarget = target;
        if (proxyHeaders != null) {
            wireTarget = absoluteForm(target);
            fields = withProxyHeaders(fields);
        }
        BodyShape shape;
        ByteBuffer bodyBytes = null;
        if (body instanceof RequestBody.Bytes b) {
            bodyBytes = b.buffer().duplicate();
            shape = BodyShape.known(bodyBytes.remaining());
        } else if (body == RequestBody.streaming()) {
            shape = BodyShape.STREAMING;
        } else if (expectsContent(method)) {
            // RFC 9110 §8.6: a user agent should send content-length when the method defines a meaning for content,
            // even for an empty body (servers answer 411 otherwise).
            shape = BodyShape.known(0);
        } else {
            shape = BodyShape.NONE;
        }
        // Validation throws before anything is sent: the connection stays usable.
        Http1Encoder.EncodedHead head =
                Http1Encoder.encodeHead(method, wireTarget, fields, authority, shape, encoderOptions);
        if (requestsSent > 0 && inFlight.isEmpty()) {
            checkIdleConnection();
        }

        RequestRef ref = new RequestRef();
        decoder.expectResponse(method);
        inFlight.addLast(ref);
        requestsSent++;
        if (shape == BodyShape.STREAMING) {
            streaming = ref;
            streamingFraming = head.framing();
            streamingRemaining = head.contentLength();
        }
        if (asksToClose(fields)) {
            lastRequest = ref; // RFC 9112 §9.6: no further requests, and close after this response
        }
        ByteBuffer[] out = bodyBytes == null || !bodyBytes.hasRemaining()
                ? new ByteBuffer[] {head.bytes()}
                : new ByteBuffer[] {head.bytes(), bodyBytes};
        send(ref, out);
        return ref;
    }

    /**
     * A reused connection may have been closed by the server while idle (the stale keep-alive race, finch#62): look
     * before writing. One non-blocking read; bytes or end-of-stream with nothing in flight mean the server is done
     * with this connection (a 408 it sent while idle is addressed to no request).
     */
    private void checkIdleConnection() throws IOException {
        readBuffer.clear();
        int n;
        try {
            n = transport.read(readBuffer);
        } catch (IOException e) {
            closeQuietly();
            throw new TransportException(
                    TransportException.Reason.CLOSED, "the idle connection failed; nothing was sent", e, true);
        }
        if (n != 0) {
            closeQuietly();
            throw new TransportException(
                    TransportException.Reason.CLOSED,
                    n < 0
                            ? "the server closed the idle connection; nothing was sent"
                            : "the server sent " + n + " bytes on the idle connection and must be done with it;"
                                    + " nothing was sent",
                    null,
                    true);
        }
    }

    /**
     * RFC 9112 §3.2.2: a request to a proxy names the whole URI. An origin-form target gets the origin prepended; the
     * asterisk-form becomes the bare origin (§3.2.4: the proxy turns it back into {@code *}); an absolute-form target
     * is sent as given.
     */
    private String absoluteForm(String target) {
        if (target.startsWith("/")) {
            return "http://" + authority + target;
        }
        if (target.equals("*")) {
            return "http://" + authority;
        }
        return target;
    }

    /** The request's fields, then each proxy field whose name the request does not carry already. */
    private HttpHeaders withProxyHeaders(HttpHeaders fields) {
        if (proxyHeaders.isEmpty()) {
            return fields;
        }
        HttpHeaders.Builder b = fields.toBuilder();
        for (int i = 0; i < proxyHeaders.size(); i++) {
            if (!fields.contains(proxyHeaders.name(i))) {
                b.add(proxyHeaders.name(i), proxyHeaders.value(i));
            }
        }
        return b.build();
    }

    private static boolean expectsContent(String method) {
        return "POST".equals(method) || "PUT".equals(method) || "PATCH".equals(method);
    }

    private static boolean asksToClose(HttpHeaders headers) {
        for (String value : headers.all("connection")) {
            for (String token : value.split(",")) {
                if (token.trim().equalsIgnoreCase("close")) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public void streamRequestBody(RequestRef ref, ByteBuffer chunk) throws IOException {
        checkStreaming(ref);
        int length = chunk.remaining();
        if (length == 0) {
            return;
        }
        switch (streamingFraming) {
            case CHUNKED -> send(
                    ref, new ByteBuffer[] {Http1Encoder.chunkHeader(length), chunk, Http1Encoder.chunkEnd()});
            case FIXED -> {
                if (length > streamingRemaining) {
                    throw new HttpProtocolException(
                            Reason.INVALID_CONTENT_LENGTH,
                            "body would exceed its content-length by " + (length - streamingRemaining) + " bytes");
                }
                streamingRemaining -= length;
                send(ref, new ByteBuffer[] {chunk});
            }
            default -> send(ref, new ByteBuffer[] {chunk});
        }
    }

    @Override
    public void endRequestBody(RequestRef ref, HttpHeaders trailers) throws IOException {
        checkStreaming(ref);
        boolean hasTrailers = trailers != null && !trailers.isEmpty();
        if (hasTrailers && streamingFraming != BodyFraming.CHUNKED) {
            throw new HttpProtocolException(
                    Reason.UNALLOWED_TRAILER, "trailers need a chunked body; this one has its own framing");
        }
        if (streamingFraming == BodyFraming.FIXED && streamingRemaining != 0) {
            // The server still waits for the missing bytes: this connection cannot carry anything else.
            IOException e = new HttpProtocolException(
                    Reason.INVALID_CONTENT_LENGTH,
                    "body ended " + streamingRemaining + " bytes short of its content-length");
            failSend(e, ref);
            throw e;
        }
        ByteBuffer last = streamingFraming == BodyFraming.CHUNKED
                ? Http1Encoder.lastChunk(hasTrailers ? trailers : HttpHeaders.EMPTY, encoderOptions)
                : null;
        streaming = null;
        if (last != null) {
            send(ref, new ByteBuffer[] {last});
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>HTTP/1.1 cannot stop one exchange (RFC 9112 §9.6: only closing the connection ends a response early), so a
     * request in flight costs the connection: the socket is closed and the requests pipelined with it end too.
     */
    @Override
    public List<ResponsePart> cancelRequest(RequestRef ref) {
        checkOwner();
        if (closed || ref == null || !inFlight.contains(ref)) {
            return List.of();
        }
        List<ResponsePart> out = new ArrayList<>(inFlight.size());
        inFlight.remove(ref);
        out.add(new ResponsePart.Error(
                ref,
                new HttpProtocolException(
                        Reason.CANCELLED, "HTTP/1.1 cannot stop one request; the connection was closed")));
        failRemaining(
                new TransportException(
                        TransportException.Reason.CLOSED, "the connection was closed to cancel request " + ref),
                out);
        closeQuietly();
        return out;
    }

    /** {@inheritDoc} HTTP/1.1 has no flow control: unbounded while {@code ref} streams its body. */
    @Override
    public long requestBodyWindow(RequestRef ref) {
        checkOwner();
        return !closed && ref != null && ref == streaming ? Long.MAX_VALUE : 0;
    }

    private void checkStreaming(RequestRef ref) throws HttpProtocolException {
        checkOwner();
        if (closed) {
            throw new HttpProtocolException(Reason.CLOSED, "connection is closed");
        }
        if (ref == null || ref != streaming) {
            throw new HttpProtocolException(Reason.UNKNOWN_REQUEST, ref + " is not streaming a body here");
        }
    }

    @Override
    public List<ResponsePart> recv(Duration timeout) throws IOException {
        checkOwner();
        List<ResponsePart> out = takePendingOrThrow();
        if (out != null) {
            return out;
        }
        checkPassive();
        out = new ArrayList<>(4);
        long deadline = Transports.deadline(timeout);
        if (deadline - System.nanoTime() <= 0) {
            // A zero timeout still looks once: a pool probes idle connections this way.
            readAvailable(out);
            if (!out.isEmpty() || closed) {
                return finish(out);
            }
            throw new TransportException(TransportException.Reason.TIMEOUT, "no response part ready");
        }
        while (true) {
            if (!transport.hasBufferedInput()) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0 || !awaitReadable(remaining)) {
                    throw new TransportException(
                            TransportException.Reason.TIMEOUT, "no response part within " + timeout);
                }
            }
            readAvailable(out);
            if (!out.isEmpty() || closed) {
                return finish(out);
            }
        }
    }

    private boolean awaitReadable(long nanos) {
        try {
            return transport.awaitReadable(nanos);
        } catch (IOException e) {
            failRead(e, pendingList());
            return true;
        }
    }

    @Override
    public List<ResponsePart> stream(SelectionKey selected) throws IOException {
        if (!owns(selected)) {
            return UNKNOWN;
        }
        checkOwner();
        List<ResponsePart> out = takePendingOrThrow();
        if (out != null) {
            return out;
        }
        out = new ArrayList<>(4);
        if (selected.isValid() && selected.isWritable()) {
            try {
                flushNonBlocking();
            } catch (IOException e) {
                failSend(e, null);
                return finish(out);
            }
        }
        if (selected.isValid() && (selected.isReadable() || transport.hasBufferedInput())) {
            readAvailable(out);
            updateInterest(); // input left by the read budget is read on the next selection
        }
        return finish(out);
    }

    /** Returns parts left by an earlier failure, throws an error no request carried, or returns null. */
    private List<ResponsePart> takePendingOrThrow() throws IOException {
        if (pendingParts != null) {
            List<ResponsePart> out = pendingParts;
            pendingParts = null;
            if (!out.isEmpty()) {
                return out;
            }
        }
        if (pendingError != null) {
            IOException e = pendingError;
            pendingError = null;
            throw e;
        }
        if (closed) {
            throw new TransportException(TransportException.Reason.CLOSED, "connection is closed");
        }
        return null;
    }

    /** Throws an error that no request carries, unless there are parts to return first (then the next call throws). */
    private List<ResponsePart> finish(List<ResponsePart> out) throws IOException {
        if (pendingParts != null) {
            out.addAll(pendingParts);
            pendingParts = null;
        }
        if (pendingError != null && out.isEmpty()) {
            IOException e = pendingError;
            pendingError = null;
            throw e;
        }
        return out;
    }

    /** Reads and decodes what is available now, up to the read budget, without blocking. */
    private void readAvailable(List<ResponsePart> out) {
        readAvailable(out, true);
    }

    /**
     * @param mayFlush whether to write output the TLS layer owes the peer afterwards (not while already failing a
     *     send)
     */
    private void readAvailable(List<ResponsePart> out, boolean mayFlush) {
        collector.out = out;
        try {
            int budget = READ_BUDGET;
            while (!closed && budget > 0) {
                readBuffer.clear();
                int n;
                try {
                    n = transport.read(readBuffer);
                } catch (IOException e) {
                    failRead(e, out);
                    return;
                }
                if (n < 0) {
                    endOfInput(out);
                    return;
                }
                if (n == 0) {
                    break;
                }
                budget -= n;
                readBuffer.flip();
                try {
                    decoder.decode(readBuffer, collector);
                } catch (HttpProtocolException | RuntimeException e) {
                    failRead(asIoException(e), out);
                    return;
                }
                if (collector.closeAfterDone) {
                    failRemaining(
                            new TransportException(
                                    TransportException.Reason.CLOSED,
                                    "the connection ended with an earlier response; this request was not answered"),
                            out);
                    closeQuietly();
                    return;
                }
                // A short read means the socket is drained (selectors are level-triggered, so nothing is lost).
                if (n < READ_BUFFER_SIZE && !transport.hasBufferedInput()) {
                    break;
                }
            }
            if (mayFlush && !closed && transport.hasPendingWrites()) {
                flushNonBlocking();
            }
        } catch (IOException e) {
            failSend(e, null);
        } finally {
            collector.out = null;
        }
    }

    private static IOException asIoException(Exception e) {
        return e instanceof IOException io
                ? io
                : new HttpProtocolException(Reason.INVALID_HEADER, "decoder failed: " + e, e);
    }

    private void endOfInput(List<ResponsePart> out) {
        if (inFlight.isEmpty()) {
            closeQuietly();
            return;
        }
        try {
            if (decoder.readingUntilClose() && !transport.endedCleanly()) {
                // RFC 9112 §9.8: over TLS, a close-delimited body is complete only after close_notify; a bare FIN
                // could be an attacker truncating it.
                throw new HttpProtocolException(
                        Reason.BODY_TRUNCATED,
                        "TLS connection closed without close_notify during a close-delimited body");
            }
            decoder.endOfInput(collector);
        } catch (HttpProtocolException e) {
            failRead(e, out);
            return;
        }
        failRemaining(
                new TransportException(
                        TransportException.Reason.CLOSED, "the server closed the connection before answering"),
                out);
        closeQuietly();
    }

    /**
     * Receiving failed: the request at the head gets {@code e}, the ones pipelined behind it a CLOSED error caused
     * by it, and the socket is released. With no request in flight, {@code e} waits to be thrown.
     */
    private void failRead(IOException e, List<ResponsePart> out) {
        RequestRef head = inFlight.pollFirst();
        if (head == null) {
            if (pendingError == null) {
                pendingError = e;
            }
        } else {
            out.add(new ResponsePart.Error(head, e));
            failRemaining(closedBy(e), out);
        }
        closeQuietly();
    }

    /**
     * Sending failed: {@code culprit} (whose call throws {@code e}) gets no part; every other request in flight gets a
     * CLOSED error caused by {@code e}, after whatever response bytes had already arrived for them.
     */
    private void failSend(IOException e, RequestRef culprit) {
        if (!closed && !inFlight.isEmpty() && transport.isOpen()) {
            // An early answer (a 413 sent while we were still uploading, say) may be waiting: deliver it first,
            // to the request it answers (possibly the culprit itself).
            readAvailable(pendingList(), false);
        }
        if (culprit != null) {
            inFlight.remove(culprit);
        }
        failRemaining(closedBy(e), pendingList());
        closeQuietly();
    }

    private static TransportException closedBy(IOException e) {
        return new TransportException(
                TransportException.Reason.CLOSED, "the connection failed before this request was answered", e);
    }

    private void failRemaining(IOException e, List<ResponsePart> out) {
        RequestRef ref;
        while ((ref = inFlight.pollFirst()) != null) {
            out.add(new ResponsePart.Error(ref, e));
        }
    }

    private List<ResponsePart> pendingList() {
        if (pendingParts == null) {
            pendingParts = new ArrayList<>(2);
        }
        return pendingParts;
    }

    /** Writes request bytes: blocking in passive mode, queued in active mode. */
    private void send(RequestRef ref, ByteBuffer[] buffers) throws IOException {
        try {
            if (key == null) {
                ByteBuffer[] all = buffers;
                if (!pendingOutput.isEmpty()) {
                    // Output queued in active mode goes first, or the stream would interleave two requests.
                    ArrayList<ByteBuffer> joined = new ArrayList<>(pendingOutput);
                    joined.addAll(List.of(buffers));
                    all = joined.toArray(NO_BUFFERS);
                    pendingOutput.clear();
                }
                transport.writeFully(all, Transports.deadline(options.sendTimeout()));
            } else {
                if (pendingOutput.isEmpty()) {
                    transport.write(buffers);
                }
                for (ByteBuffer b : buffers) {
                    if (b.hasRemaining()) {
                        // Copy: the caller may reuse its buffer once this call returns.
                        ByteBuffer copy =
                                ByteBuffer.allocate(b.remaining()).put(b).flip();
                        pendingOutput.addLast(copy);
                    }
                }
                updateInterest();
            }
        } catch (IOException e) {
            if (streaming == ref) {
                streaming = null;
            }
            failSend(e, ref);
            throw e;
        }
    }

    private void flushNonBlocking() throws IOException {
        if (!pendingOutput.isEmpty()) {
            transport.write(pendingOutput.toArray(NO_BUFFERS));
            while (!pendingOutput.isEmpty() && !pendingOutput.peekFirst().hasRemaining()) {
                pendingOutput.pollFirst();
            }
        }
        transport.flush();
        updateInterest();
    }

    @Override
    boolean hasPendingOutput() {
        return !pendingOutput.isEmpty() || transport.hasPendingWrites();
    }

    @Override
    void flushBlocking() throws IOException {
        if (closed || (pendingOutput.isEmpty() && !transport.hasPendingWrites())) {
            return;
        }
        try {
            transport.writeFully(pendingOutput.toArray(NO_BUFFERS), Transports.deadline(options.sendTimeout()));
            pendingOutput.clear();
        } catch (IOException e) {
            // Half a request went out: nothing else can follow it on this connection.
            failSend(e, null);
            throw e;
        }
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public boolean isReadable() {
        return !closed;
    }

    @Override
    public int openRequestCount() {
        // A body still streaming after its response ended keeps the connection busy all the same.
        return inFlight.size() + (streaming != null && !inFlight.contains(streaming) ? 1 : 0);
    }

    @Override
    public void close() {
        checkOwnerOrAbandoned();
        inFlight.clear();
        closeQuietly();
    }

    private void closeQuietly() {
        closed = true;
        streaming = null;
        pendingOutput.clear();
        releaseKey();
        transport.close();
    }

    @Override
    public String toString() {
        return "Http1Connection[" + authority + (closed ? ", closed" : "") + ", in flight " + inFlight.size() + "]";
    }

    /** Turns decoder events into parts for the request at the head of the queue. */
    private final class PartCollector implements Http1ResponseHandler {
        List<ResponsePart> out;
        boolean closeAfterDone;

        @Override
        public void status(int code) {
            out.add(new ResponsePart.Status(inFlight.peekFirst(), code));
        }

        @Override
        public void headers(HttpHeaders headers) {
            out.add(new ResponsePart.Headers(inFlight.peekFirst(), headers));
        }

        @Override
        public void data(ByteBuffer data) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            out.add(new ResponsePart.Data(inFlight.peekFirst(), bytes));
        }

        @Override
        public void trailers(HttpHeaders trailers) {
            out.add(new ResponsePart.Trailers(inFlight.peekFirst(), trailers));
        }

        @Override
        public void done(boolean keepAlive) {
            // A response may end before its request body does (an early 413, say); the body must still be ended
            // (or the connection closed) before this connection can carry another request.
            RequestRef ref = inFlight.pollFirst();
            out.add(new ResponsePart.Done(ref));
            if (!keepAlive || ref == lastRequest) {
                closeAfterDone = true;
            }
        }
    }
}

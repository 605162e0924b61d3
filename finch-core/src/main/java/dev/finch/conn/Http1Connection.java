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
    private static final ByteBuffer[] NO_BUFFERS = new ByteBuffer[0];

    private final String authority;
    private final ConnectOptions options;
    private final Http1Encoder.Options encoderOptions;
    private final Http1Decoder decoder;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);
    private final ArrayDeque<RequestRef> inFlight = new ArrayDeque<>();
    private final PartCollector collector = new PartCollector();

    /** Output the socket did not take yet (active mode only). */
    private final ArrayDeque<ByteBuffer> pendingOutput = new ArrayDeque<>();

    /** The request whose body is streaming, and how it is framed. */
    private RequestRef streaming;

    private BodyFraming streamingFraming;
    private long streamingRemaining;

    private boolean closed;
    /** Parts produced by a failure outside recv/stream, handed out by the next call. */
    private List<ResponsePart> pendingParts;
    /** An error that no request could carry, thrown by the next recv/stream. */
    private IOException pendingError;

    Http1Connection(Transport transport, String authority, ConnectOptions options) {
        super(transport);
        this.authority = authority;
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
        if (streaming != null) {
            throw new HttpProtocolException(
                    Reason.REQUEST_BODY_IS_STREAMING, "request " + streaming + " must end its body first");
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
        Http1Encoder.EncodedHead head = Http1Encoder.encodeHead(
                method, target, headers == null ? HttpHeaders.EMPTY : headers, authority, shape, encoderOptions);

        RequestRef ref = new RequestRef();
        decoder.expectResponse(method);
        inFlight.addLast(ref);
        if (shape == BodyShape.STREAMING) {
            streaming = ref;
            streamingFraming = head.framing();
            streamingRemaining = head.contentLength();
        }
        ByteBuffer[] out = bodyBytes == null || !bodyBytes.hasRemaining()
                ? new ByteBuffer[] {head.bytes()}
                : new ByteBuffer[] {head.bytes(), bodyBytes};
        send(ref, out);
        return ref;
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
            streaming = null;
            fail(e, null);
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

    private static boolean expectsContent(String method) {
        return "POST".equals(method) || "PUT".equals(method) || "PATCH".equals(method);
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
        checkPassive();
        List<ResponsePart> out = takePendingOrThrow();
        if (out != null) {
            return out;
        }
        out = new ArrayList<>(4);
        long deadline = Transports.deadline(timeout);
        while (true) {
            if (!transport.hasBufferedInput()) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0 || !awaitReadable(remaining)) {
                    if (!out.isEmpty()) {
                        return out;
                    }
                    throw new TransportException(
                            TransportException.Reason.TIMEOUT, "no response bytes within " + timeout);
                }
            }
            readAvailable(out);
            if (!out.isEmpty() || closed) {
                return finish(out);
            }
        }
    }

    private boolean awaitReadable(long nanos) throws IOException {
        try {
            return transport.awaitReadable(nanos);
        } catch (IOException e) {
            fail(e, null);
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
                fail(e, out);
                return finish(out);
            }
        }
        if (selected.isValid() && (selected.isReadable() || transport.hasBufferedInput())) {
            readAvailable(out);
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

    /** Reads and decodes everything available now, without blocking. */
    private void readAvailable(List<ResponsePart> out) {
        collector.out = out;
        try {
            while (!closed) {
                readBuffer.clear();
                int n;
                try {
                    n = transport.read(readBuffer);
                } catch (IOException e) {
                    fail(e, out);
                    return;
                }
                if (n < 0) {
                    endOfInput(out);
                    return;
                }
                if (n == 0) {
                    break;
                }
                readBuffer.flip();
                try {
                    decoder.decode(readBuffer, collector);
                } catch (HttpProtocolException e) {
                    fail(e, out);
                    return;
                }
                if (collector.closeAfterDone) {
                    failRemaining(
                            new TransportException(
                                    TransportException.Reason.CLOSED,
                                    "the server ended the connection with an earlier response; this request was not answered"),
                            out);
                    closeQuietly();
                    return;
                }
                // A short read means the socket is drained (selectors are level-triggered, so nothing is lost).
                if (n < READ_BUFFER_SIZE && !transport.hasBufferedInput()) {
                    break;
                }
            }
            if (transport.hasPendingWrites()) {
                flushNonBlocking();
            }
        } catch (IOException e) {
            fail(e, out);
        } finally {
            collector.out = null;
        }
    }

    private void endOfInput(List<ResponsePart> out) {
        if (inFlight.isEmpty()) {
            closeQuietly();
            return;
        }
        try {
            decoder.endOfInput(collector);
        } catch (HttpProtocolException e) {
            fail(e, out);
            return;
        }
        failRemaining(
                new TransportException(
                        TransportException.Reason.CLOSED, "the server closed the connection before answering"),
                out);
        closeQuietly();
    }

    /**
     * The connection cannot go on: the request at the head gets {@code e}, the ones pipelined behind it a CLOSED
     * error, and the socket is released. With no request in flight, {@code e} waits to be thrown.
     */
    private void fail(IOException e, List<ResponsePart> out) {
        if (inFlight.isEmpty()) {
            if (pendingError == null) {
                pendingError = e;
            }
        } else {
            List<ResponsePart> target = out != null ? out : pendingList();
            target.add(new ResponsePart.Error(inFlight.pollFirst(), e));
            failRemaining(
                    new TransportException(
                            TransportException.Reason.CLOSED,
                            "connection failed before this pipelined request was answered",
                            e),
                    target);
        }
        closeQuietly();
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
                transport.writeFully(buffers, Transports.deadline(options.sendTimeout()));
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
            // The request that was being written gets the error thrown; the others get Error parts.
            inFlight.remove(ref);
            if (streaming == ref) {
                streaming = null;
            }
            fail(e, null);
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
        if (!pendingOutput.isEmpty() || transport.hasPendingWrites()) {
            transport.writeFully(pendingOutput.toArray(NO_BUFFERS), Transports.deadline(options.sendTimeout()));
            pendingOutput.clear();
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
        return inFlight.size();
    }

    @Override
    public void close() {
        checkOwner();
        closeQuietly();
    }

    private void closeQuietly() {
        closed = true;
        streaming = null;
        pendingOutput.clear();
        if (key != null) {
            key.cancel();
            key = null;
        }
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
            if (!keepAlive) {
                closeAfterDone = true;
            }
        }
    }
}

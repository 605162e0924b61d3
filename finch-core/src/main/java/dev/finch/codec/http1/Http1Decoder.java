package dev.finch.codec.http1;

import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.HttpProtocolException.Reason;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Objects;

/**
 * A sans-I/O HTTP/1.1 response decoder (RFC 9112): bytes in, {@link Http1ResponseHandler} calls out. It keeps its
 * own partial state (an incomplete line is copied aside, bounded by {@link Http1Limits}), so every call consumes all
 * of its input and the caller may reuse its buffer. Body bytes are never copied or buffered: each piece is handed to
 * {@link Http1ResponseHandler#data} as a view of the input as soon as it arrives.
 *
 * <p>Responses are matched to requests first-in first-out (pipelining): call {@link #expectResponse(String)} once
 * per request sent, with its method, before its response can arrive. Bytes left after one response are decoded as
 * the next one. Not thread-safe: one owner drives it.
 *
 * <p>Body framing follows RFC 9112 §6.3, in its order: interim 1xx responses (other than 101) are reported and
 * followed by the final response of the same request; 101, and 2xx to CONNECT, end the HTTP exchange (the connection
 * now carries another protocol or a tunnel: {@code done(false)}); HEAD, 204 and 304 have no body; Transfer-Encoding
 * with Content-Length is refused; a final chunked coding means chunked; any other Transfer-Encoding, or neither
 * field, means the body runs until the peer closes; otherwise Content-Length counts it.
 *
 * <p>Once this throws, the decoder is dead: every later call throws {@link IllegalStateException}.
 */
public final class Http1Decoder {
    private enum State {
        STATUS_LINE,
        HEADERS,
        FIXED_BODY,
        CHUNK_SIZE,
        CHUNK_DATA,
        CHUNK_DATA_CR,
        CHUNK_DATA_LF,
        TRAILERS,
        UNTIL_CLOSE,
        /** done(false) was reported: further input is ignored. */
        FINISHED,
        /** endOfInput was called. */
        ENDED,
        /** An exception was thrown. */
        FAILED
    }

    private final Http1Limits limits;
    private final LineReader lines = new LineReader();
    private final FieldSection headers;
    private final FieldSection trailers;
    private final Framing framing = new Framing();
    private final ArrayDeque<String> expected = new ArrayDeque<>();

    private State state = State.STATUS_LINE;
    /** Some bytes of the response at the head of {@link #expected} were decoded. */
    private boolean inResponse;

    private int status;
    private boolean http10;
    private int interimResponses;
    private boolean keepAlive;
    /** For FIXED_BODY the bytes still to come; in CHUNK_DATA those of the current chunk. */
    private long remaining;

    private long contentLength;
    private long bodyBytes;
    /** The response ended by switching protocols (101) or opening a tunnel (CONNECT 2xx). */
    private boolean protocolSwitched;

    /** A decoder for one connection, within these limits. */
    public Http1Decoder(Http1Limits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.headers = new FieldSection(LineKind.HEADER, limits.maxHeaderListSize(), limits.maxHeaderCount());
        this.trailers = new FieldSection(LineKind.TRAILER, limits.maxHeaderListSize(), limits.maxHeaderCount());
    }

    /**
     * Queues a response to expect, for a request with this method (HEAD and CONNECT change body framing; methods
     * are case-sensitive, RFC 9110 §9.1).
     *
     * @throws IllegalStateException if the decoder failed, reached the end of input, or already reported {@code
     *     done(false)}: the connection cannot carry another response
     */
    public void expectResponse(String method) {
        Objects.requireNonNull(method, "method");
        if (state == State.FINISHED || state == State.ENDED || state == State.FAILED) {
            throw new IllegalStateException("the connection can carry no more responses (" + state + ")");
        }
        expected.addLast(method);
    }

    /** Responses expected and not yet done (the one being decoded included). */
    public int pendingResponses() {
        return expected.size();
    }

    /** Whether the response being decoded has a body that runs until the connection closes (RFC 9112 §6.3 rule 8). */
    public boolean readingUntilClose() {
        return state == State.UNTIL_CLOSE;
    }

    /** Whether a response has started arriving (some of its bytes were decoded) and has not ended. */
    public boolean inResponse() {
        return inResponse;
    }

    /**
     * Decodes all of {@code in}, calling {@code handler}. Its position ends at its limit, except when a response
     * ends with 101 (Switching Protocols) or a 2xx to CONNECT: then it stops just after that response's header
     * section, and the bytes from there on belong to the new protocol or the tunnel. After a {@code done(false)}
     * the decoder is finished and ignores further input.
     *
     * @throws HttpProtocolException if the bytes break RFC 9112 or a limit, or arrive with no response expected
     *     (UNEXPECTED_DATA); everything decoded before the fault was already handed to {@code handler}, and the
     *     decoder must not be used again
     * @throws IllegalStateException if the decoder failed before or {@link #endOfInput} was called
     */
    public void decode(ByteBuffer in, Http1ResponseHandler handler) throws HttpProtocolException {
        Objects.requireNonNull(handler, "handler");
        checkUsable();
        int pos = in.position();
        int limit = in.limit();
        try {
            while (pos < limit && state != State.FINISHED) {
                pos = switch (state) {
                    case STATUS_LINE -> statusLine(in, pos, limit, handler);
                    case HEADERS -> headerLines(in, pos, limit, handler);
                    case FIXED_BODY -> fixedBody(in, pos, limit, handler);
                    case CHUNK_SIZE -> chunkSize(in, pos, limit);
                    case CHUNK_DATA -> chunkData(in, pos, limit, handler);
                    case CHUNK_DATA_CR, CHUNK_DATA_LF -> chunkDataEnd(in, pos);
                    case TRAILERS -> trailerLines(in, pos, limit, handler);
                    case UNTIL_CLOSE -> untilClose(in, pos, limit, handler);
                    default -> throw new IllegalStateException("decoding in state " + state);
                };
            }
        } catch (HttpProtocolException | RuntimeException | Error e) {
            // Also when the handler threw: our state may be half-updated, so the connection must go.
            state = State.FAILED;
            throw e;
        }
        in.position(protocolSwitched ? pos : limit);
        protocolSwitched = false;
    }

    /**
     * The peer closed. A close-delimited body ends ({@code done(false)}); a response cut short anywhere else is an
     * error: CLOSED if nothing of it had arrived (a request on a stale keep-alive connection, which the caller may
     * retry when safe), otherwise BODY_TRUNCATED (also for a cut status line or header section, or after interim
     * responses only: part of the response was already reported). Nothing expected: nothing happens.
     *
     * @throws IllegalStateException if the decoder failed before or this was called already
     */
    public void endOfInput(Http1ResponseHandler handler) throws HttpProtocolException {
        Objects.requireNonNull(handler, "handler");
        checkUsable();
        try {
            switch (state) {
                case FINISHED -> {}
                case UNTIL_CLOSE -> finish(false, handler);
                case STATUS_LINE, HEADERS -> {
                    if (inResponse) {
                        throw truncated(cutHeadDetail());
                    }
                    if (!expected.isEmpty()) {
                        throw new HttpProtocolException(
                                Reason.CLOSED,
                                "closed before the response started, " + expected.size() + " response(s) expected");
                    }
                }
                case FIXED_BODY -> throw truncated("got " + bodyBytes + " of " + contentLength + " bytes");
                case CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_CR, CHUNK_DATA_LF -> throw truncated(
                        "closed in the chunked body after " + bodyBytes + " bytes");
                case TRAILERS -> throw truncated("closed in the trailer section");
                default -> throw new IllegalStateException("end of input in state " + state);
            }
        } catch (HttpProtocolException | RuntimeException | Error e) {
            state = State.FAILED;
            throw e;
        }
        state = State.ENDED;
    }

    private int statusLine(ByteBuffer in, int pos, int limit, Http1ResponseHandler handler)
            throws HttpProtocolException {
        if (!inResponse) {
            if (expected.isEmpty()) {
                throw new HttpProtocolException(
                        Reason.UNEXPECTED_DATA,
                        "response bytes with no request in flight, starting with byte "
                                + Ascii.describe(in.get(pos) & 0xff));
            }
            inResponse = true;
        }
        int maxLength = limits.maxStatusLineLength();
        int next = lines.read(in, pos, limit, plusCr(maxLength), LineKind.STATUS_LINE, maxLength);
        if (next < 0) {
            return limit;
        }
        status = StatusLine.parse(lines.buffer, lines.start, lines.end);
        http10 = StatusLine.isHttp10(lines.buffer, lines.start);
        if (isInterim(status) && ++interimResponses > limits.maxInterimResponses()) {
            throw new HttpProtocolException(
                    Reason.TOO_MANY_INTERIM_RESPONSES, "more than " + limits.maxInterimResponses() + " 1xx responses");
        }
        headers.reset();
        state = State.HEADERS;
        handler.status(status);
        return next;
    }

    private int headerLines(ByteBuffer in, int pos, int limit, Http1ResponseHandler handler)
            throws HttpProtocolException {
        while (pos < limit) {
            int next = lines.read(in, pos, limit, headers.maxBeforeLf(), LineKind.HEADER, headers.maxBytes());
            if (next < 0) {
                return limit;
            }
            pos = next;
            if (headers.line(lines.buffer, lines.start, lines.end)) {
                endOfHead(headers.finish(), handler);
                return pos;
            }
        }
        return pos;
    }

    /** RFC 9112 §6.3, in order: which body follows this header section, if any. */
    private void endOfHead(HttpHeaders fields, Http1ResponseHandler handler) throws HttpProtocolException {
        handler.headers(fields);
        if (isInterim(status)) {
            state = State.STATUS_LINE; // §15.2 of RFC 9110: the final response to the same request follows.
            return;
        }
        String method = expected.peekFirst();
        if (status == 101 || (method.equals("CONNECT") && status / 100 == 2)) {
            // Rule 2 and §7.8 of RFC 9110: the bytes after the head belong to another protocol or the tunnel.
            protocolSwitched = true;
            finish(false, handler);
            return;
        }
        framing.scan(fields);
        keepAlive = framing.keepAlive(http10);
        if (method.equals("HEAD") || status == 204 || status == 304) {
            // Rule 1: no body, whatever the framing fields say (for HEAD they describe the GET response).
            finish(keepAlive, handler);
            return;
        }
        if (framing.hasTransferEncoding) {
            if (framing.hasContentLength) {
                // Rule 3: a smuggling signal; a client that closes afterwards still cannot tell where this ends.
                throw new HttpProtocolException(
                        Reason.TRANSFER_ENCODING_AND_CONTENT_LENGTH,
                        "transfer-encoding " + Ascii.quote(framing.lastTransferEncoding) + " with content-length");
            }
            // §6.1: Transfer-Encoding from an HTTP/1.0 sender means faulty framing: close after this message.
            keepAlive &= !http10;
            if (framing.chunked()) {
                bodyBytes = 0;
                state = State.CHUNK_SIZE;
            } else {
                // Rule 4: chunked is not the final coding, so only the close ends the body.
                state = State.UNTIL_CLOSE;
            }
            return;
        }
        if (framing.hasContentLength) {
            contentLength = Framing.contentLength(fields);
            if (contentLength == 0) {
                finish(keepAlive, handler);
            } else {
                remaining = contentLength;
                bodyBytes = 0;
                state = State.FIXED_BODY;
            }
            return;
        }
        state = State.UNTIL_CLOSE; // Rule 7.
    }

    private int fixedBody(ByteBuffer in, int pos, int limit, Http1ResponseHandler handler)
            throws HttpProtocolException {
        int n = (int) Math.min(remaining, limit - pos);
        remaining -= n;
        bodyBytes += n;
        handler.data(in.slice(pos, n));
        if (remaining == 0) {
            finish(keepAlive, handler);
        }
        return pos + n;
    }

    private int chunkSize(ByteBuffer in, int pos, int limit) throws HttpProtocolException {
        int maxLength = limits.maxChunkSizeLineLength();
        int next = lines.read(in, pos, limit, plusCr(maxLength), LineKind.CHUNK_SIZE, maxLength);
        if (next < 0) {
            return limit;
        }
        long size = ChunkSize.parse(lines.buffer, lines.start, lines.end);
        if (size == 0) {
            trailers.reset(); // The last chunk (§7.1): the trailer section follows.
            state = State.TRAILERS;
        } else {
            remaining = size;
            state = State.CHUNK_DATA;
        }
        return next;
    }

    private int chunkData(ByteBuffer in, int pos, int limit, Http1ResponseHandler handler) {
        int n = (int) Math.min(remaining, limit - pos);
        remaining -= n;
        bodyBytes += n;
        if (remaining == 0) {
            state = State.CHUNK_DATA_CR;
        }
        handler.data(in.slice(pos, n));
        return pos + n;
    }

    /** Exactly CRLF after chunk data (§7.1); the two bytes may arrive in different calls. */
    private int chunkDataEnd(ByteBuffer in, int pos) throws HttpProtocolException {
        int c = in.get(pos) & 0xff;
        int wanted = state == State.CHUNK_DATA_CR ? Ascii.CR : Ascii.LF;
        if (c != wanted) {
            throw new HttpProtocolException(
                    Reason.MISSING_CRLF_AFTER_CHUNK,
                    "expected " + Ascii.describe(wanted) + " but got " + Ascii.describe(c) + " after " + bodyBytes
                            + " bytes of chunk data");
        }
        state = state == State.CHUNK_DATA_CR ? State.CHUNK_DATA_LF : State.CHUNK_SIZE;
        return pos + 1;
    }

    private int trailerLines(ByteBuffer in, int pos, int limit, Http1ResponseHandler handler)
            throws HttpProtocolException {
        while (pos < limit) {
            int next = lines.read(in, pos, limit, trailers.maxBeforeLf(), LineKind.TRAILER, trailers.maxBytes());
            if (next < 0) {
                return limit;
            }
            pos = next;
            if (trailers.line(lines.buffer, lines.start, lines.end)) {
                HttpHeaders fields = trailers.finish();
                if (!fields.isEmpty()) {
                    handler.trailers(fields);
                }
                finish(keepAlive, handler);
                return pos;
            }
        }
        return pos;
    }

    private int untilClose(ByteBuffer in, int pos, int limit, Http1ResponseHandler handler) {
        handler.data(in.slice(pos, limit - pos));
        return limit;
    }

    /** Ends the response at the head of the queue; the next one may start at once, unless the connection ends. */
    private void finish(boolean reusable, Http1ResponseHandler handler) {
        expected.removeFirst();
        inResponse = false;
        interimResponses = 0;
        state = reusable ? State.STATUS_LINE : State.FINISHED;
        handler.done(reusable);
    }

    /** A limit that excludes CRLF, as a count of bytes before LF (the CR included), saturating. */
    private static int plusCr(int maxLength) {
        return maxLength == Integer.MAX_VALUE ? maxLength : maxLength + 1;
    }

    private static boolean isInterim(int status) {
        return status < 200 && status != 101;
    }

    private String cutHeadDetail() {
        if (state == State.HEADERS) {
            return "closed in the header section";
        }
        return lines.hasPartialLine()
                ? "closed in the status line"
                : "closed after " + interimResponses + " interim response(s), before the final status line";
    }

    private static HttpProtocolException truncated(String detail) {
        return new HttpProtocolException(Reason.BODY_TRUNCATED, detail);
    }

    private void checkUsable() {
        if (state == State.FAILED) {
            throw new IllegalStateException("the decoder failed before and cannot be used again");
        }
        if (state == State.ENDED) {
            throw new IllegalStateException("end of input was reached already");
        }
    }
}

package dev.finch.codec.http1;

import dev.finch.http.HttpProtocolException;
import java.nio.ByteBuffer;

/**
 * A sans-I/O HTTP/1.1 response decoder (RFC 9112): bytes in, {@link Http1ResponseHandler} calls out. It keeps its
 * own partial state (an incomplete line is copied aside, bounded by {@link Http1Limits}), so every call consumes all
 * of its input and the caller may reuse its buffer.
 *
 * <p>Responses are matched to requests first-in first-out (pipelining): call {@link #expectResponse(String)} once
 * per request sent, with its method, before its response can arrive. Not thread-safe.
 *
 * <p>STUB: the HTTP/1 codec work implements this.
 */
public final class Http1Decoder {

    public Http1Decoder(Http1Limits limits) {}

    /** Queues a response to expect, for a request with this method (HEAD and CONNECT change body framing). */
    public void expectResponse(String method) {
        throw new UnsupportedOperationException("STUB");
    }

    /** Responses expected and not yet done. */
    public int pendingResponses() {
        throw new UnsupportedOperationException("STUB");
    }

    /** Whether a response has started arriving (some of its bytes were decoded) and has not ended. */
    public boolean inResponse() {
        throw new UnsupportedOperationException("STUB");
    }

    /**
     * Decodes all of {@code in} (its position ends at its limit), calling {@code handler}. After a {@code
     * done(false)} the decoder is finished and ignores further input.
     *
     * @throws HttpProtocolException if the bytes break RFC 9112 or a limit, or arrive with no response expected
     *     (UNEXPECTED_DATA); everything decoded before the fault was already handed to {@code handler}, and the
     *     decoder must not be used again
     */
    public void decode(ByteBuffer in, Http1ResponseHandler handler) throws HttpProtocolException {
        throw new UnsupportedOperationException("STUB");
    }

    /**
     * The peer closed. A close-delimited body ends ({@code done(false)}); a response cut short anywhere else is an
     * error (BODY_TRUNCATED, or CLOSED if nothing of it had arrived).
     */
    public void endOfInput(Http1ResponseHandler handler) throws HttpProtocolException {
        throw new UnsupportedOperationException("STUB");
    }
}

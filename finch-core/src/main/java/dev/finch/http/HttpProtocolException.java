package dev.finch.http;

import java.io.IOException;
import java.util.Objects;

/**
 * The peer broke the HTTP protocol, or a request we were asked to send is not valid HTTP. Carries a {@link Reason};
 * the message is formatted from it and an optional detail that names what was wrong (a header name, a byte offset,
 * a limit).
 *
 * <p>Whether the connection survives is told by the connection ({@code isOpen()}), not by this exception: a refused
 * request leaves it usable, a malformed response closes it.
 */
public class HttpProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What was wrong. Mint's HTTP/1 and HTTP/2 reasons plus the limits Finch for Java adds. */
    public enum Reason {
        // --- refused requests (nothing was sent) ---
        /** The method is not an RFC 9110 token. */
        INVALID_METHOD("invalid request method"),
        /** The request target has characters outside RFC 3986 or a bad %XX escape. */
        INVALID_REQUEST_TARGET("invalid request target"),
        /** A request header name is not a token (or, on HTTP/2, not lowercase / a connection-specific name). */
        INVALID_HEADER_NAME("invalid header name"),
        /** A request header value holds CR, LF, NUL or another control character. */
        INVALID_HEADER_VALUE("invalid header value"),
        /** A trailer name is not allowed in trailers (RFC 9110 §6.5.1), or trailers were given without chunking. */
        UNALLOWED_TRAILER("header not allowed in trailers"),
        /** A streamed body was expected, or a request body is still streaming (HTTP/1 cannot pipeline then). */
        REQUEST_BODY_IS_STREAMING("a request body is still streaming"),
        /** The reference does not name a request in flight on this connection. */
        UNKNOWN_REQUEST("no such request on this connection"),
        /** The caller cancelled the request ({@code cancelRequest}); no more parts follow for it. */
        CANCELLED("request cancelled"),

        // --- HTTP/1 responses ---
        /** Bytes arrived with no request in flight. */
        UNEXPECTED_DATA("unexpected data with no request in flight"),
        /** The status line is malformed or not HTTP/1.x. */
        INVALID_STATUS_LINE("invalid status line"),
        /** A header line is malformed (no colon, bad name, whitespace before colon, bare LF, obs-fold). */
        INVALID_HEADER("invalid response header"),
        /** Trailers are malformed. */
        INVALID_TRAILER("invalid trailer"),
        /** Content-Length is not a single non-negative decimal number. */
        INVALID_CONTENT_LENGTH("invalid content-length"),
        /** Two different Content-Length values. */
        MORE_THAN_ONE_CONTENT_LENGTH("more than one content-length"),
        /** Transfer-Encoding and Content-Length together (RFC 9112 §6.1: a smuggling signal). */
        TRANSFER_ENCODING_AND_CONTENT_LENGTH("transfer-encoding and content-length together"),
        /** A chunk-size line is not hexadecimal, overflows, or is too long. */
        INVALID_CHUNK_SIZE("invalid chunk size"),
        /** A chunk's data was not followed by CRLF. */
        MISSING_CRLF_AFTER_CHUNK("missing CRLF after chunk"),
        /** The response ended before its body did (content-length or chunked). */
        BODY_TRUNCATED("connection closed before the response body ended"),

        // --- limits on what the peer controls ---
        /** The header section (or trailers) exceeded the configured byte limit. */
        MAX_HEADER_LIST_SIZE_EXCEEDED("header list too large"),
        /** More header fields than the configured count limit. */
        TOO_MANY_HEADERS("too many header fields"),
        /** A status line longer than the limit. */
        STATUS_LINE_TOO_LONG("status line too long"),
        /** More interim (1xx) responses than the limit. */
        TOO_MANY_INTERIM_RESPONSES("too many interim responses"),

        // --- the connection ---
        /** The connection is closed (or closed for writing) and cannot carry the request. */
        CLOSED("connection closed"),
        /** HTTP/2: the connection can still be read but not written (GOAWAY received or sent). */
        CLOSED_FOR_WRITING("connection closed for writing"),

        // --- HTTP/2 ---
        /** HTTP/2: the server's MAX_CONCURRENT_STREAMS is reached. */
        TOO_MANY_CONCURRENT_REQUESTS("too many concurrent requests"),
        /** HTTP/2: a DATA write exceeds the send window. */
        EXCEEDS_WINDOW_SIZE("exceeds the flow-control window"),
        /** HTTP/2: a response header block without :status. */
        MISSING_STATUS_HEADER("response without :status"),
        /** HTTP/2: the server reset the stream (RST_STREAM with a non-NO_ERROR code). */
        SERVER_CLOSED_REQUEST("server reset the request"),
        /** HTTP/2: the server sent GOAWAY with an error, or closed the connection. */
        SERVER_CLOSED_CONNECTION("server closed the connection"),
        /** HTTP/2: the server did not process the request (above GOAWAY's last-stream-id, REFUSED_STREAM); safe to
         * retry. */
        UNPROCESSED("request not processed by the server; safe to retry"),
        /** HTTP/2: the peer broke RFC 9113; the detail and error code say how. */
        PROTOCOL_ERROR("HTTP/2 protocol error"),
        /** HTTP/2: HPACK decoding failed. */
        COMPRESSION_ERROR("HPACK compression error"),
        /** HTTP/2: a frame of the wrong size. */
        FRAME_SIZE_ERROR("frame size error"),
        /** HTTP/2: a flow-control window overflowed or was violated. */
        FLOW_CONTROL_ERROR("flow control error"),
        /** HTTP/2: the peer is abusing the connection (floods); we answered with ENHANCE_YOUR_CALM. */
        ENHANCE_YOUR_CALM("peer exceeded a flood limit");

        private final String text;

        Reason(String text) {
            this.text = text;
        }

        /** A short human description. */
        public String text() {
            return text;
        }
    }

    private final Reason reason;
    private final String detail;

    public HttpProtocolException(Reason reason, String detail) {
        this(reason, detail, null);
    }

    public HttpProtocolException(Reason reason, String detail, Throwable cause) {
        super(null, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.detail = detail;
    }

    /** What was wrong. */
    public Reason reason() {
        return reason;
    }

    /** What exactly (a header name, a limit, an offset), or {@code null}. */
    public String detail() {
        return detail;
    }

    @Override
    public String getMessage() {
        return detail == null ? reason.text() : reason.text() + ": " + detail;
    }
}

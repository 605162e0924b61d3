package dev.finch.codec.http1;

import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import java.nio.ByteBuffer;

/**
 * A sans-I/O HTTP/1.1 request encoder (RFC 9112). Pure functions: request in, bytes out. Validation here is what
 * blocks header injection and request smuggling: method and header names must be tokens, header values must hold
 * no CR, LF, NUL or other control character (HTAB excepted), and the target must be a valid request-target.
 *
 * <p>STUB: the HTTP/1 codec work implements this.
 */
public final class Http1Encoder {
    private Http1Encoder() {}

    /** How the body that follows a request head is framed. */
    public enum BodyFraming {
        /** No body follows. */
        NONE,
        /** Exactly content-length bytes follow, as is. */
        FIXED,
        /** We chunk what follows (RFC 9112 §7.1), and trailers may end it. */
        CHUNKED,
        /** The caller gave its own transfer-encoding: bytes follow as given, framed by the caller. */
        RAW
    }

    /**
     * What the caller is about to send after the head.
     *
     * @param kind NONE, KNOWN (length bytes), or STREAMING (length unknown)
     */
    public record BodyShape(Kind kind, long length) {
        public enum Kind {
            NONE,
            KNOWN,
            STREAMING
        }

        public static final BodyShape NONE = new BodyShape(Kind.NONE, -1);
        public static final BodyShape STREAMING = new BodyShape(Kind.STREAMING, -1);

        public static BodyShape known(long length) {
            return new BodyShape(Kind.KNOWN, length);
        }
    }

    /**
     * Encoding options.
     *
     * @param preserveHeaderCase send header names as given; otherwise lowercase them (Mint's default)
     * @param validateTarget check the request-target (opt-out exists for servers that need odd targets; CR, LF,
     *     SP, NUL and other controls are refused even then)
     * @param userAgent added as user-agent when the caller gave none; {@code null} adds none
     */
    public record Options(boolean preserveHeaderCase, boolean validateTarget, String userAgent) {
        public static final Options DEFAULTS = new Options(false, true, "finch-java/0.1");
    }

    /**
     * The encoded head and how the body must be framed.
     *
     * @param bytes the request line, headers and the empty line, ready to write
     * @param framing how the connection must frame what follows
     * @param contentLength for FIXED, the length the caller promised (a streamed body must match it), else -1
     */
    public record EncodedHead(ByteBuffer bytes, BodyFraming framing, long contentLength) {}

    /**
     * Encodes a request head. Adds host (the given authority), user-agent and content-length when absent (content-
     * length only for a known-length body with no framing header; {@code transfer-encoding: chunked} for a streamed
     * body with neither).
     *
     * @param authority the Host value: host, or host:port when the port is not the scheme's default; IPv6
     *     literals bracketed (see {@link #authority})
     * @throws HttpProtocolException INVALID_METHOD, INVALID_REQUEST_TARGET, INVALID_HEADER_NAME,
     *     INVALID_HEADER_VALUE, INVALID_CONTENT_LENGTH (a caller content-length that is not a number, or disagrees
     *     with a known body length)
     */
    public static EncodedHead encodeHead(
            String method, String target, HttpHeaders headers, String authority, BodyShape body, Options options)
            throws HttpProtocolException {
        throw new UnsupportedOperationException("STUB");
    }

    /** The chunk-size line for a chunk of {@code length} bytes ({@code "1a\r\n"}); length must be positive. */
    public static ByteBuffer chunkHeader(int length) {
        throw new UnsupportedOperationException("STUB");
    }

    /** CRLF, the end of a chunk's data. A new read-only buffer each call. */
    public static ByteBuffer chunkEnd() {
        throw new UnsupportedOperationException("STUB");
    }

    /**
     * The last chunk with optional trailers: {@code "0\r\n" *(trailer CRLF) "\r\n"}.
     *
     * @throws HttpProtocolException UNALLOWED_TRAILER for a name RFC 9110 §6.5.1 forbids in trailers,
     *     INVALID_HEADER_NAME / INVALID_HEADER_VALUE as for headers
     */
    public static ByteBuffer lastChunk(HttpHeaders trailers, Options options) throws HttpProtocolException {
        throw new UnsupportedOperationException("STUB");
    }

    /** The Host / :authority value for host and port: port omitted when default, IPv6 literals bracketed. */
    public static String authority(String host, int port, int defaultPort) {
        throw new UnsupportedOperationException("STUB");
    }
}

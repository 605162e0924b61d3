package dev.finch.codec.http1;

import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.HttpProtocolException.Reason;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * A sans-I/O HTTP/1.1 request encoder (RFC 9112). Pure functions: request in, bytes out. Validation here is what
 * blocks header injection and request smuggling: method and header names must be tokens, header values must hold
 * no CR, LF, NUL or other control character (HTAB excepted), and the target must be a valid request-target.
 *
 * <p>Text is sent as ISO-8859-1; a value with a character above U+00FF cannot be sent and is refused. Error details
 * name the header, never quote its value (it may be a secret).
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

        public BodyShape {
            Objects.requireNonNull(kind, "kind");
            if (kind == Kind.KNOWN && length < 0) {
                throw new IllegalArgumentException("a known body length must not be negative, got " + length);
            }
        }

        /** A body of exactly {@code length} bytes (zero allowed). */
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

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] VERSION_CRLF = {' ', 'H', 'T', 'T', 'P', '/', '1', '.', '1', '\r', '\n'};

    /**
     * Names a sender must not put in trailers: RFC 9110 §6.5.1 (framing, routing, request modifiers,
     * authentication, response control data, content processing), Mint's list, and the connection-specific fields
     * of RFC 9110 §7.6.1. Every {@code if-*} conditional is refused too (see {@link #isForbiddenTrailer}).
     */
    private static final Set<String> FORBIDDEN_TRAILERS = Set.of(
            // message framing and content processing
            "content-encoding",
            "content-length",
            "content-range",
            "content-type",
            "trailer",
            "transfer-encoding",
            // routing and request modifiers (controls)
            "cache-control",
            "expect",
            "host",
            "max-forwards",
            "pragma",
            "range",
            "te",
            // authentication
            "authorization",
            "proxy-authenticate",
            "proxy-authorization",
            "www-authenticate",
            // state management (RFC 6265)
            "cookie",
            "set-cookie",
            // response control data
            "age",
            "expires",
            "date",
            "location",
            "retry-after",
            "vary",
            "warning",
            // connection-specific (RFC 9110 §7.6.1)
            "connection",
            "keep-alive",
            "proxy-connection",
            "upgrade");

    /**
     * Encodes a request head. Adds host (the given authority) first, as RFC 9112 §3.2 asks, then the caller's
     * fields in order, then user-agent and the framing field when absent (names compared ignoring case).
     *
     * <p>Framing: a caller transfer-encoding means the caller frames the body (RAW, nothing added); a caller
     * content-length means FIXED (for a known body it must equal the body length; with no body it must be 0);
     * otherwise a known body gets {@code content-length} (also for 0 bytes), a streamed body gets {@code
     * transfer-encoding: chunked}, and no body gets neither.
     *
     * @param authority the Host value: host, or host:port when the port is not the scheme's default; IPv6
     *     literals bracketed (see {@link #authority})
     * @throws HttpProtocolException INVALID_METHOD, INVALID_REQUEST_TARGET, INVALID_HEADER_NAME,
     *     INVALID_HEADER_VALUE (also for an authority with control characters), INVALID_CONTENT_LENGTH (a caller
     *     content-length that is not 1*DIGIT, is given twice, or disagrees with a known body length or an absent
     *     body), TRANSFER_ENCODING_AND_CONTENT_LENGTH (both given: RFC 9112 §6.2 forbids sending that)
     */
    public static EncodedHead encodeHead(
            String method, String target, HttpHeaders headers, String authority, BodyShape body, Options options)
            throws HttpProtocolException {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(authority, "authority");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(options, "options");
        if (!Ascii.isToken(method)) {
            throw new HttpProtocolException(Reason.INVALID_METHOD, "not a token: " + Ascii.quote(method));
        }
        RequestTarget.check(method, target, options.validateTarget());

        int size = method.length() + 1 + target.length() + VERSION_CRLF.length + CRLF.length;
        boolean hasHost = false;
        boolean hasUserAgent = false;
        boolean hasTransferEncoding = false;
        String lastTransferEncoding = null;
        String contentLength = null;
        for (int i = 0; i < headers.size(); i++) {
            String name = headers.name(i);
            String value = headers.value(i);
            checkField(name, value, false);
            size += name.length() + 2 + value.length() + 2;
            if (name.equalsIgnoreCase("host")) {
                hasHost = true;
            } else if (name.equalsIgnoreCase("user-agent")) {
                hasUserAgent = true;
            } else if (name.equalsIgnoreCase("transfer-encoding")) {
                hasTransferEncoding = true;
                lastTransferEncoding = value;
            } else if (name.equalsIgnoreCase("content-length")) {
                if (contentLength != null) {
                    throw new HttpProtocolException(Reason.INVALID_CONTENT_LENGTH, "content-length given twice");
                }
                contentLength = value;
            }
        }

        String addHost = hasHost ? null : authority;
        if (addHost != null) {
            checkField("host", addHost, false);
        }
        String addUserAgent = hasUserAgent ? null : options.userAgent();
        if (addUserAgent != null) {
            checkField("user-agent", addUserAgent, false);
        }
        // Headers we add follow the caller's choice: lowercase, or (preserving case) the conventional capitals.
        boolean canonical = options.preserveHeaderCase();
        BodyFraming framing;
        long length = -1;
        String addFramingName = null;
        String addFramingValue = null;
        if (hasTransferEncoding) {
            if (contentLength != null) {
                throw new HttpProtocolException(
                        Reason.TRANSFER_ENCODING_AND_CONTENT_LENGTH, "the caller gave both (RFC 9112 §6.2)");
            }
            // RFC 9112 §6.1: chunked must be the final coding of a request, or the server cannot find its end (and
            // must answer 400); a framing header with no body would leave the server waiting for one.
            String coding = lastTransferEncoding
                    .substring(lastTransferEncoding.lastIndexOf(',') + 1)
                    .trim();
            if (!coding.equalsIgnoreCase("chunked")) {
                throw new HttpProtocolException(
                        Reason.INVALID_HEADER_VALUE, "transfer-encoding: the final coding must be chunked");
            }
            if (body.kind() == BodyShape.Kind.NONE) {
                throw new HttpProtocolException(
                        Reason.INVALID_HEADER_VALUE, "transfer-encoding given for a request without a body");
            }
            framing = BodyFraming.RAW;
        } else if (contentLength != null) {
            length = parseContentLength(contentLength);
            long expectedLength =
                    switch (body.kind()) {
                        case NONE -> 0;
                        case KNOWN -> body.length();
                        case STREAMING -> length;
                    };
            if (length != expectedLength) {
                throw new HttpProtocolException(
                        Reason.INVALID_CONTENT_LENGTH,
                        "content-length " + length + " but the body has " + expectedLength + " bytes");
            }
            framing = body.kind() == BodyShape.Kind.NONE ? BodyFraming.NONE : BodyFraming.FIXED;
            length = framing == BodyFraming.FIXED ? length : -1;
        } else {
            switch (body.kind()) {
                case KNOWN -> {
                    framing = BodyFraming.FIXED;
                    length = body.length();
                    addFramingName = canonical ? "Content-Length" : "content-length";
                    addFramingValue = Long.toString(length);
                }
                case STREAMING -> {
                    framing = BodyFraming.CHUNKED;
                    addFramingName = canonical ? "Transfer-Encoding" : "transfer-encoding";
                    addFramingValue = "chunked";
                }
                default -> framing = BodyFraming.NONE;
            }
        }
        size += fieldSize("host", addHost)
                + fieldSize("user-agent", addUserAgent)
                + fieldSize(addFramingName, addFramingValue);

        byte[] out = new byte[size];
        int at = latin1(method, out, 0, false);
        out[at++] = ' ';
        at = latin1(target, out, at, false);
        System.arraycopy(VERSION_CRLF, 0, out, at, VERSION_CRLF.length);
        at += VERSION_CRLF.length;
        at = field(canonical ? "Host" : "host", addHost, out, at, false);
        boolean lowercase = !canonical;
        for (int i = 0; i < headers.size(); i++) {
            at = field(headers.name(i), headers.value(i), out, at, lowercase);
        }
        at = field(canonical ? "User-Agent" : "user-agent", addUserAgent, out, at, false);
        at = field(addFramingName, addFramingValue, out, at, false);
        out[at++] = '\r';
        out[at++] = '\n';
        assert at == size;
        return new EncodedHead(ByteBuffer.wrap(out), framing, length);
    }

    /** The chunk-size line for a chunk of {@code length} bytes ({@code "1a\r\n"}); length must be positive. */
    public static ByteBuffer chunkHeader(int length) {
        if (length <= 0) {
            throw new IllegalArgumentException("a chunk must hold at least one byte, got " + length);
        }
        int digits = (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 3) / 4;
        byte[] out = new byte[digits + 2];
        for (int i = digits - 1; i >= 0; i--, length >>>= 4) {
            out[i] = (byte) Character.forDigit(length & 0xf, 16);
        }
        out[digits] = '\r';
        out[digits + 1] = '\n';
        return ByteBuffer.wrap(out);
    }

    /** CRLF, the end of a chunk's data. A new read-only buffer each call. */
    public static ByteBuffer chunkEnd() {
        return ByteBuffer.wrap(CRLF).asReadOnlyBuffer();
    }

    /**
     * The last chunk with optional trailers: {@code "0\r\n" *(trailer CRLF) "\r\n"}.
     *
     * @throws HttpProtocolException UNALLOWED_TRAILER for a name RFC 9110 §6.5.1 forbids in trailers,
     *     INVALID_HEADER_NAME / INVALID_HEADER_VALUE as for headers
     */
    public static ByteBuffer lastChunk(HttpHeaders trailers, Options options) throws HttpProtocolException {
        Objects.requireNonNull(trailers, "trailers");
        Objects.requireNonNull(options, "options");
        int size = 1 + CRLF.length + CRLF.length;
        for (int i = 0; i < trailers.size(); i++) {
            checkField(trailers.name(i), trailers.value(i), true);
            size += fieldSize(trailers.name(i), trailers.value(i));
        }
        byte[] out = new byte[size];
        out[0] = '0';
        out[1] = '\r';
        out[2] = '\n';
        int at = 3;
        boolean lowercase = !options.preserveHeaderCase();
        for (int i = 0; i < trailers.size(); i++) {
            at = field(trailers.name(i), trailers.value(i), out, at, lowercase);
        }
        out[at++] = '\r';
        out[at] = '\n';
        return ByteBuffer.wrap(out);
    }

    /**
     * The Host / :authority value for host and port: port omitted when default, IPv6 literals bracketed (RFC 3986
     * §3.2.2). A host that already has brackets is kept as given.
     */
    public static String authority(String host, int port, int defaultPort) {
        Objects.requireNonNull(host, "host");
        String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
        return port == defaultPort ? h : h + ":" + port;
    }

    /** Name a token, value VCHAR / obs-text / SP / HTAB (RFC 9110 §5.5); trailers also not forbidden ones. */
    private static void checkField(String name, String value, boolean trailer) throws HttpProtocolException {
        if (!Ascii.isToken(name)) {
            throw new HttpProtocolException(Reason.INVALID_HEADER_NAME, "not a token: " + Ascii.quote(name));
        }
        if (trailer && isForbiddenTrailer(name)) {
            throw new HttpProtocolException(Reason.UNALLOWED_TRAILER, name);
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!Ascii.isFieldChar(c)) {
                throw new HttpProtocolException(
                        Reason.INVALID_HEADER_VALUE,
                        "value of " + name + " has " + (c > 0xff ? "a character outside ISO-8859-1 " : "")
                                + Ascii.describe(c) + " at index " + i);
            }
        }
    }

    /** Whether RFC 9110 §6.5.1 (or the connection-specific rules of §7.6.1) keep this name out of trailers. */
    static boolean isForbiddenTrailer(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return FORBIDDEN_TRAILERS.contains(lower) || lower.startsWith("if-");
    }

    /** {@code 1*DIGIT} that fits a long: no sign, no spaces, no list. */
    private static long parseContentLength(String value) throws HttpProtocolException {
        if (value.isEmpty()) {
            throw new HttpProtocolException(Reason.INVALID_CONTENT_LENGTH, "empty content-length");
        }
        long n = 0;
        for (int i = 0; i < value.length(); i++) {
            int digit = value.charAt(i) - '0';
            if (digit < 0 || digit > 9 || n > (Long.MAX_VALUE - digit) / 10) {
                throw new HttpProtocolException(
                        Reason.INVALID_CONTENT_LENGTH, "not a decimal length: " + Ascii.quote(value));
            }
            n = n * 10 + digit;
        }
        return n;
    }

    private static int fieldSize(String name, String value) {
        return value == null ? 0 : name.length() + 2 + value.length() + 2;
    }

    /** Writes {@code name: value CRLF} when value is not null. */
    private static int field(String name, String value, byte[] out, int at, boolean lowercase) {
        if (value == null) {
            return at;
        }
        at = latin1(name, out, at, lowercase);
        out[at++] = ':';
        out[at++] = ' ';
        at = latin1(value, out, at, false);
        out[at++] = '\r';
        out[at++] = '\n';
        return at;
    }

    /** Characters already checked to be at most U+00FF. */
    private static int latin1(String s, byte[] out, int at, boolean lowercase) {
        for (int i = 0; i < s.length(); i++) {
            int c = s.charAt(i);
            out[at++] = (byte) (lowercase ? Ascii.toLower(c) : c);
        }
        return at;
    }
}

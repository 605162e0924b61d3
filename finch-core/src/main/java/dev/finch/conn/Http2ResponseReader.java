package dev.finch.conn;

import dev.finch.codec.http2.ErrorCode;
import dev.finch.codec.http2.Http2StreamException;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException.Reason;
import java.util.List;

/**
 * Turns a response's decoded field blocks and DATA lengths into parts, checking what RFC 9113 §8.1 asks of a
 * response: a final status after any number of interim (1xx) ones, trailers only with END_STREAM, no request
 * pseudo-headers, a content-length that matches the DATA. A malformed response is a stream error (§8.1.1): the
 * stream is reset, the connection carries on. Stateless; the state is the stream's.
 */
final class Http2ResponseReader {
    /** Interim responses allowed per request, as the HTTP/1 default: a peer cannot keep a request busy with them. */
    static final int MAX_INTERIM_RESPONSES = 32;

    private Http2ResponseReader() {}

    /**
     * A field block arrived on {@code s}. Adds Status and Headers (or Trailers) parts to {@code out}; nothing is
     * added when it throws.
     *
     * @throws Http2StreamException PROTOCOL_ERROR with MISSING_STATUS_HEADER, INVALID_STATUS_LINE, INVALID_HEADER,
     *     INVALID_TRAILER or INVALID_CONTENT_LENGTH for a malformed response; ENHANCE_YOUR_CALM with
     *     TOO_MANY_INTERIM_RESPONSES
     */
    static void headers(Http2Stream s, HttpHeaders fields, boolean endStream, List<ResponsePart> out)
            throws Http2StreamException {
        if (s.response == Http2Stream.Response.BODY) {
            trailers(s, fields, endStream, out);
            return;
        }
        String status = null;
        for (int i = 0; i < fields.size(); i++) {
            String name = fields.name(i);
            if (!name.startsWith(":")) {
                break; // Hpack has checked that pseudo-headers come first (§8.3)
            }
            if (!name.equals(":status") || status != null) {
                throw malformed(s, Reason.INVALID_HEADER, name + " in a response (RFC 9113 §8.3.2)");
            }
            status = fields.value(i);
        }
        if (status == null) {
            throw malformed(s, Reason.MISSING_STATUS_HEADER, "response HEADERS without :status (RFC 9113 §8.3.2)");
        }
        int code = statusCode(status);
        if (code < 0) {
            throw malformed(s, Reason.INVALID_STATUS_LINE, ":status is not a three-digit code");
        }
        HttpHeaders regular = regularFields(fields);
        if (code < 200) {
            if (code == 101) {
                throw malformed(s, Reason.INVALID_STATUS_LINE, "101 Switching Protocols is not allowed (§8.6)");
            }
            if (endStream) {
                throw malformed(s, Reason.INVALID_STATUS_LINE, "interim response " + code + " with END_STREAM (§8.1)");
            }
            if (++s.interimResponses > MAX_INTERIM_RESPONSES) {
                throw new Http2StreamException(
                        s.id,
                        ErrorCode.ENHANCE_YOUR_CALM,
                        Reason.TOO_MANY_INTERIM_RESPONSES,
                        "more than " + MAX_INTERIM_RESPONSES + " interim responses");
            }
        } else {
            boolean noContent = s.head || code == 204 || code == 304;
            s.expectedLength = noContent ? -1 : contentLength(s, regular);
            s.response = Http2Stream.Response.BODY;
        }
        out.add(new ResponsePart.Status(s.ref, code));
        out.add(new ResponsePart.Headers(s.ref, regular));
    }

    /**
     * DATA of {@code length} bytes arrived on {@code s}.
     *
     * @throws Http2StreamException PROTOCOL_ERROR before the final status (§8.1) or beyond the content-length
     *     (§8.1.1)
     */
    static void data(Http2Stream s, int length) throws Http2StreamException {
        if (s.response != Http2Stream.Response.BODY) {
            throw malformed(s, Reason.INVALID_STATUS_LINE, "DATA before the final response HEADERS (§8.1)");
        }
        s.receivedLength += length;
        if (s.expectedLength >= 0 && s.receivedLength > s.expectedLength) {
            throw malformed(
                    s,
                    Reason.INVALID_CONTENT_LENGTH,
                    "more DATA than content-length " + s.expectedLength + " (§8.1.1)");
        }
    }

    /**
     * The response on {@code s} ended (END_STREAM).
     *
     * @throws Http2StreamException PROTOCOL_ERROR if it ended before its final status or short of its
     *     content-length (§8.1.1)
     */
    static void end(Http2Stream s) throws Http2StreamException {
        if (s.response != Http2Stream.Response.BODY) {
            throw malformed(s, Reason.MISSING_STATUS_HEADER, "END_STREAM before the final response (§8.1)");
        }
        if (!lengthComplete(s)) {
            throw malformed(
                    s,
                    Reason.INVALID_CONTENT_LENGTH,
                    "DATA of " + s.receivedLength + " bytes ended short of content-length " + s.expectedLength);
        }
    }

    /** Whether the body received so far is complete as far as the response can tell: final status, full length. */
    static boolean isComplete(Http2Stream s) {
        return s.response == Http2Stream.Response.BODY && lengthComplete(s);
    }

    private static boolean lengthComplete(Http2Stream s) {
        return s.expectedLength < 0 || s.receivedLength == s.expectedLength;
    }

    private static void trailers(Http2Stream s, HttpHeaders fields, boolean endStream, List<ResponsePart> out)
            throws Http2StreamException {
        if (!endStream) {
            throw malformed(s, Reason.INVALID_TRAILER, "trailers without END_STREAM (RFC 9113 §8.1)");
        }
        for (int i = 0; i < fields.size(); i++) {
            if (fields.name(i).startsWith(":")) {
                throw malformed(s, Reason.INVALID_TRAILER, fields.name(i) + " in trailers (RFC 9113 §8.1)");
            }
        }
        out.add(new ResponsePart.Trailers(s.ref, regularFields(fields)));
    }

    /** {@code 100..999} from exactly three digits, else -1. */
    private static int statusCode(String s) {
        if (s.length() != 3) {
            return -1;
        }
        int code = 0;
        for (int i = 0; i < 3; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            code = code * 10 + (c - '0');
        }
        return code >= 100 ? code : -1;
    }

    /**
     * The regular fields, with several {@code cookie} fields joined by "; " into one at the place of the first (RFC
     * 9113 §8.2.3: compression may split them; other contexts expect one).
     */
    static HttpHeaders regularFields(HttpHeaders fields) {
        int cookies = 0;
        int start = 0;
        while (start < fields.size() && fields.name(start).startsWith(":")) {
            start++;
        }
        for (int i = start; i < fields.size(); i++) {
            if (fields.name(i).equals("cookie")) {
                cookies++;
            }
        }
        if (start == 0 && cookies < 2) {
            return fields;
        }
        String joined = cookies < 2 ? null : String.join("; ", fields.all("cookie"));
        HttpHeaders.Builder b = HttpHeaders.builder();
        boolean cookieWritten = false;
        for (int i = start; i < fields.size(); i++) {
            String name = fields.name(i);
            if (joined != null && name.equals("cookie")) {
                if (!cookieWritten) {
                    b.add(name, joined);
                    cookieWritten = true;
                }
            } else {
                b.add(name, fields.value(i));
            }
        }
        return b.build();
    }

    /** The content-length, or -1 when absent. Several equal values count as one. */
    private static long contentLength(Http2Stream s, HttpHeaders fields) throws Http2StreamException {
        long length = -1;
        for (String v : fields.all("content-length")) {
            long n = digits(v);
            if (n < 0 || (length >= 0 && n != length)) {
                throw malformed(s, Reason.INVALID_CONTENT_LENGTH, "content-length is not one decimal number");
            }
            length = n;
        }
        return length;
    }

    private static long digits(String v) {
        if (v.isEmpty() || v.length() > 18) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    private static Http2StreamException malformed(Http2Stream s, Reason reason, String detail) {
        return new Http2StreamException(s.id, ErrorCode.PROTOCOL_ERROR, reason, detail);
    }
}

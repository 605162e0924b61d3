package dev.finch.codec.http1;

import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.HttpProtocolException.Reason;

/**
 * What the header fields of a final response say about its body and the connection (RFC 9112 §6 and §9.3). Filled
 * by one pass over the fields; the decoder keeps one instance and {@link #scan}s each response into it.
 */
final class Framing {
    boolean hasTransferEncoding;
    /** The last Transfer-Encoding field: its last coding is the final one (RFC 9112 §6.1). */
    String lastTransferEncoding;

    boolean hasContentLength;
    boolean closeToken;
    boolean keepAliveToken;

    void scan(HttpHeaders headers) {
        hasTransferEncoding = false;
        lastTransferEncoding = null;
        hasContentLength = false;
        closeToken = false;
        keepAliveToken = false;
        for (int i = 0, n = headers.size(); i < n; i++) {
            // Decoded names are lowercase, and the common ones are HeaderNames' own strings with cached hashes.
            switch (headers.name(i)) {
                case "transfer-encoding" -> {
                    hasTransferEncoding = true;
                    String value = headers.value(i);
                    if (lastElementEnd(value) > 0) {
                        lastTransferEncoding = value;
                    }
                }
                case "content-length" -> hasContentLength = true;
                case "connection" -> {
                    String value = headers.value(i);
                    closeToken |= hasToken(value, "close");
                    keepAliveToken |= hasToken(value, "keep-alive");
                }
                default -> {}
            }
        }
    }

    /**
     * Whether the final transfer coding is chunked; only then is the body chunked (RFC 9112 §6.3 rule 4). Empty list
     * elements are ignored, as RFC 9110 §5.6.1 asks: {@code chunked,} ends in chunked.
     */
    boolean chunked() {
        String te = lastTransferEncoding;
        if (te == null) {
            return false;
        }
        int to = lastElementEnd(te);
        int from = te.lastIndexOf(',', to - 1) + 1;
        while (from < to && Ascii.isWhitespace(te.charAt(from))) {
            from++;
        }
        return to - from == 7 && te.regionMatches(true, from, "chunked", 0, 7);
    }

    /** Where the last non-empty element of a comma-separated list ends; 0 if the list has no element. */
    private static int lastElementEnd(String list) {
        int to = list.length();
        while (to > 0 && (Ascii.isWhitespace(list.charAt(to - 1)) || list.charAt(to - 1) == ',')) {
            to--;
        }
        return to;
    }

    /**
     * RFC 9112 §9.3: HTTP/1.1 is persistent unless {@code connection: close}; HTTP/1.0 only with {@code connection:
     * keep-alive}.
     */
    boolean keepAlive(boolean http10) {
        return !closeToken && (!http10 || keepAliveToken);
    }

    /**
     * The body length from every Content-Length field (RFC 9110 §8.6, RFC 9112 §6.3 rule 5): each must be 1*DIGIT
     * and fit a long. Several fields, or a comma-separated list, whose values are all equal count as one; a
     * recipient may accept that, and senders (proxies joining fields) produce it.
     *
     * @throws HttpProtocolException INVALID_CONTENT_LENGTH for anything but digits, MORE_THAN_ONE_CONTENT_LENGTH for
     *     differing values
     */
    static long contentLength(HttpHeaders headers) throws HttpProtocolException {
        long length = -1;
        for (int i = 0, n = headers.size(); i < n; i++) {
            if (!headers.name(i).equals("content-length")) {
                continue;
            }
            String value = headers.value(i);
            int from = 0;
            while (true) {
                int comma = value.indexOf(',', from);
                int to = comma < 0 ? value.length() : comma;
                long element = digits(value, from, to);
                if (length >= 0 && element != length) {
                    throw new HttpProtocolException(
                            Reason.MORE_THAN_ONE_CONTENT_LENGTH, "values " + length + " and " + element);
                }
                length = element;
                if (comma < 0) {
                    break;
                }
                from = comma + 1;
            }
        }
        return length;
    }

    /** {@code OWS 1*DIGIT OWS} in {@code value[from, to)}. */
    private static long digits(String value, int from, int to) throws HttpProtocolException {
        while (from < to && Ascii.isWhitespace(value.charAt(from))) {
            from++;
        }
        while (to > from && Ascii.isWhitespace(value.charAt(to - 1))) {
            to--;
        }
        if (from == to) {
            throw new HttpProtocolException(Reason.INVALID_CONTENT_LENGTH, "empty value in " + Ascii.quote(value));
        }
        long n = 0;
        for (int i = from; i < to; i++) {
            int digit = value.charAt(i) - '0';
            if (digit < 0 || digit > 9) {
                throw new HttpProtocolException(
                        Reason.INVALID_CONTENT_LENGTH, "not a decimal number: " + Ascii.quote(value));
            }
            if (n > (Long.MAX_VALUE - digit) / 10) {
                throw new HttpProtocolException(
                        Reason.INVALID_CONTENT_LENGTH, "overflows a long: " + Ascii.quote(value));
            }
            n = n * 10 + digit;
        }
        return n;
    }

    /** Whether the comma-separated list {@code value} holds {@code token}, ignoring case and OWS (RFC 9110 §5.6.1). */
    static boolean hasToken(String value, String token) {
        int from = 0;
        int length = value.length();
        while (from <= length) {
            int comma = value.indexOf(',', from);
            int to = comma < 0 ? length : comma;
            int s = from;
            int e = to;
            while (s < e && Ascii.isWhitespace(value.charAt(s))) {
                s++;
            }
            while (e > s && Ascii.isWhitespace(value.charAt(e - 1))) {
                e--;
            }
            if (e - s == token.length() && value.regionMatches(true, s, token, 0, token.length())) {
                return true;
            }
            if (comma < 0) {
                return false;
            }
            from = comma + 1;
        }
        return false;
    }
}

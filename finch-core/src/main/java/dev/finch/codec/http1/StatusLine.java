package dev.finch.codec.http1;

import dev.finch.http.HttpProtocolException;
import java.nio.ByteBuffer;

/**
 * RFC 9112 §4: {@code status-line = HTTP-version SP status-code SP [ reason-phrase ]}.
 *
 * <p>We accept HTTP/1.0 and HTTP/1.1 only, exactly as spelled (HTTP-name is case-sensitive, §2.3), and a status code
 * of three digits from 100 to 999 (RFC 9110 §15). The reason phrase is optional, and so is the SP before it: many
 * servers send {@code HTTP/1.1 200} with neither, and nothing depends on it.
 */
final class StatusLine {
    private static final int MIN_LENGTH = "HTTP/1.1 200".length();

    private StatusLine() {}

    /**
     * The status code of the line in {@code [start, end)} (CRLF excluded).
     *
     * @throws HttpProtocolException INVALID_STATUS_LINE naming the fault
     */
    static int parse(ByteBuffer b, int start, int end) throws HttpProtocolException {
        int length = end - start;
        if (length < MIN_LENGTH
                || b.get(start) != 'H'
                || b.get(start + 1) != 'T'
                || b.get(start + 2) != 'T'
                || b.get(start + 3) != 'P'
                || b.get(start + 4) != '/'
                || b.get(start + 5) != '1'
                || b.get(start + 6) != '.'
                || (b.get(start + 7) != '0' && b.get(start + 7) != '1')
                || b.get(start + 8) != ' ') {
            throw LineKind.STATUS_LINE.invalid(
                    "expected HTTP/1.0 or HTTP/1.1 and a status code but got " + Ascii.quote(b, start, end));
        }
        int d1 = b.get(start + 9) - '0';
        int d2 = b.get(start + 10) - '0';
        int d3 = b.get(start + 11) - '0';
        if (d1 < 1
                || d1 > 9
                || d2 < 0
                || d2 > 9
                || d3 < 0
                || d3 > 9
                || (length > MIN_LENGTH && b.get(start + 12) != ' ')) {
            throw LineKind.STATUS_LINE.invalid(
                    "status code is not three digits from 100 to 999: " + Ascii.quote(b, start, end));
        }
        for (int i = start + MIN_LENGTH + 1; i < end; i++) {
            int c = b.get(i) & 0xff;
            if (!Ascii.isFieldChar(c)) {
                throw LineKind.STATUS_LINE.invalid((c == Ascii.CR ? "bare CR " : "control character ")
                        + Ascii.describe(c) + " at offset " + (i - start));
            }
        }
        return d1 * 100 + d2 * 10 + d3;
    }

    /** Whether the valid status line starting at {@code start} is HTTP/1.0. */
    static boolean isHttp10(ByteBuffer b, int start) {
        return b.get(start + 7) == '0';
    }
}

package dev.finch.codec.http1;

import dev.finch.http.HttpProtocolException;
import java.nio.ByteBuffer;

/**
 * RFC 9112 §7.1: {@code chunk-size [ chunk-ext ] CRLF}, with {@code chunk-size = 1*HEXDIG} and {@code chunk-ext =
 * *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )}.
 *
 * <p>The size admits no sign, no {@code 0x} prefix and no value above {@link Long#MAX_VALUE}: a parser that wraps
 * around on overflow reads a different body length than its neighbours, which is a smuggling vector. Extensions are
 * ignored (§7.1.1 lets a recipient ignore the ones it does not understand) but must not hold control characters.
 * Whitespace after the size is tolerated even without an extension.
 */
final class ChunkSize {
    private ChunkSize() {}

    /** The size on the line {@code [start, end)} (CRLF excluded). */
    static long parse(ByteBuffer b, int start, int end) throws HttpProtocolException {
        long size = 0;
        int i = start;
        for (; i < end; i++) {
            int digit = Ascii.hexValue(b.get(i));
            if (digit < 0) {
                break;
            }
            if (size > (Long.MAX_VALUE - digit) >>> 4) {
                throw LineKind.CHUNK_SIZE.invalid("chunk size overflows a long: " + Ascii.quote(b, start, end));
            }
            size = (size << 4) + digit;
        }
        if (i == start) {
            throw LineKind.CHUNK_SIZE.invalid("no hexadecimal digits: " + Ascii.quote(b, start, end));
        }
        while (i < end && Ascii.isWhitespace(b.get(i))) {
            i++;
        }
        if (i < end && b.get(i) != ';') {
            throw LineKind.CHUNK_SIZE.invalid(
                    "byte " + Ascii.describe(b.get(i) & 0xff) + " at offset " + (i - start) + " after the size");
        }
        for (; i < end; i++) {
            int c = b.get(i) & 0xff;
            if (!Ascii.isFieldChar(c)) {
                throw LineKind.CHUNK_SIZE.invalid((c == Ascii.CR ? "bare CR " : "control character ")
                        + Ascii.describe(c) + " at offset " + (i - start) + " of a chunk extension");
            }
        }
        return size;
    }
}

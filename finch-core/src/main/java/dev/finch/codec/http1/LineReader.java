package dev.finch.codec.http1;

import dev.finch.http.HttpProtocolException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Finds CRLF-terminated lines in pushed input. A line that is complete in the input is described in place (no copy);
 * only a line cut by the end of the input is copied aside, and that copy is bounded by the caller's limit, checked as
 * bytes arrive, so a peer streaming an endless line is stopped at the limit.
 *
 * <p>RFC 9112 §2.2 lets a recipient accept a bare LF as a line terminator; we do not (a bare LF or a bare CR is how
 * response splitting and smuggling attempts slip past intermediaries that disagree), so a line must end in CRLF.
 */
final class LineReader {
    private static final long LF_IN_EVERY_BYTE = 0x0a0a0a0a0a0a0a0aL;
    private static final long LOW_7_BITS = 0x7f7f7f7f7f7f7f7fL;

    private byte[] pending = new byte[128];
    private ByteBuffer pendingView = ByteBuffer.wrap(pending);
    private int pendingLength;

    /** The last line read: bytes {@code [start, end)} of {@code buffer}, CRLF excluded. Valid until the next read. */
    ByteBuffer buffer;

    int start;
    int end;

    /**
     * Reads a line from {@code in[pos, limit)}.
     *
     * @param maxBeforeLf the most bytes the line may hold before its LF, its CR included
     * @param limitForDetail the configured limit, for the error detail
     * @return the position just after the LF when a line is complete (then {@link #buffer}, {@link #start} and
     *     {@link #end} describe it), or -1 when all of the input was kept as a partial line
     * @throws HttpProtocolException {@code kind}'s too-long reason as soon as the line cannot fit, or its invalid
     *     reason for a line not ended by CRLF
     */
    int read(ByteBuffer in, int pos, int limit, int maxBeforeLf, LineKind kind, int limitForDetail)
            throws HttpProtocolException {
        int budget = maxBeforeLf - pendingLength;
        // Scan at most budget + 1 bytes: no LF among them means the line is too long, whatever follows.
        int scanEnd = (int) Math.min(limit, (long) pos + budget + 1);
        int lf = indexOfLf(in, pos, scanEnd);
        if (lf < 0) {
            if (limit - pos > budget) {
                throw kind.tooLong(limitForDetail);
            }
            append(in, pos, limit - pos);
            return -1;
        }
        int before = pendingLength + (lf - pos);
        if (pendingLength == 0) {
            if (before == 0 || in.get(lf - 1) != Ascii.CR) {
                throw kind.invalid("bare LF at offset " + before);
            }
            buffer = in;
            start = pos;
            end = lf - 1;
        } else {
            append(in, pos, lf - pos);
            if (pending[before - 1] != Ascii.CR) {
                throw kind.invalid("bare LF at offset " + before);
            }
            buffer = pendingView;
            start = 0;
            end = before - 1;
            pendingLength = 0;
        }
        return lf + 1;
    }

    /**
     * The index of the first LF in {@code b[from, to)}, or -1. This scan touches every header byte once more than
     * parsing does, so it reads eight bytes per step (SWAR: a byte is LF exactly when it is zero after XOR with LF)
     * with absolute {@code getLong}, which is as fast on direct buffers as on heap ones.
     */
    static int indexOfLf(ByteBuffer b, int from, int to) {
        boolean bigEndian = b.order() == ByteOrder.BIG_ENDIAN;
        int i = from;
        for (; i <= to - Long.BYTES; i += Long.BYTES) {
            long x = b.getLong(i) ^ LF_IN_EVERY_BYTE;
            // Exact zero-byte test (no false positives, unlike the shorter (x - 0x01..) & ~x form): the high bit
            // of each byte of `zeros` is set exactly where x has a zero byte.
            long zeros = ~(((x & LOW_7_BITS) + LOW_7_BITS) | x | LOW_7_BITS);
            if (zeros != 0) {
                int bit = bigEndian ? Long.numberOfLeadingZeros(zeros) : Long.numberOfTrailingZeros(zeros);
                return i + (bit >>> 3);
            }
        }
        for (; i < to; i++) {
            if (b.get(i) == Ascii.LF) {
                return i;
            }
        }
        return -1;
    }

    /** Whether part of a line is held. */
    boolean hasPartialLine() {
        return pendingLength > 0;
    }

    private void append(ByteBuffer in, int pos, int length) {
        if (pendingLength + length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + length));
            pendingView = ByteBuffer.wrap(pending);
        }
        in.get(pos, pending, pendingLength, length);
        pendingLength += length;
    }
}

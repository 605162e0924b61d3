package dev.finch.codec.http2;

import java.nio.ByteBuffer;

/**
 * Checks the framing of an HPACK field block (RFC 7541 §5, §6) without decoding it: that it ends on a
 * representation boundary, that integers fit 31 bits, and that dynamic table size updates come first (§4.2).
 *
 * <p>com.twitter.hpack's decoder is incremental: given a block that stops mid-representation it simply waits for
 * more input, and a finished block cannot tell it otherwise. A cut-off block must be a COMPRESSION_ERROR instead,
 * so {@link Hpack} runs this allocation-free pass first.
 */
final class HpackBlockScanner {
    private final ByteBuffer block;
    private final int end;
    private int pos;

    private HpackBlockScanner(ByteBuffer block) {
        this.block = block;
        this.pos = block.position();
        this.end = block.limit();
    }

    /** What is wrong with the block's framing, or null if it is well-framed. */
    static String check(ByteBuffer block) {
        return new HpackBlockScanner(block).scan();
    }

    private String scan() {
        boolean fieldSeen = false;
        while (pos < end) {
            int first = block.get(pos) & 0xff;
            long result;
            if (first >= 0x80) { // §6.1 indexed field
                result = integer(7);
                fieldSeen = true;
            } else if (first >= 0x40) { // §6.2.1 literal with incremental indexing
                result = literal(6);
                fieldSeen = true;
            } else if (first >= 0x20) { // §6.3 dynamic table size update
                if (fieldSeen) {
                    return "HPACK dynamic table size update after a field (RFC 7541 §4.2)";
                }
                result = integer(5);
            } else { // §6.2.2, §6.2.3 literal without indexing / never indexed
                result = literal(4);
                fieldSeen = true;
            }
            if (result == TRUNCATED) {
                return "HPACK block ends inside a field representation";
            }
            if (result == OVERFLOW) {
                return "HPACK integer larger than 2^31-1";
            }
        }
        return null;
    }

    private static final long TRUNCATED = -1;
    private static final long OVERFLOW = -2;

    /** A literal field: an index (0 means a literal name follows), then the value string. */
    private long literal(int prefixBits) {
        long index = integer(prefixBits);
        if (index < 0) {
            return index;
        }
        if (index == 0) {
            long name = string();
            if (name < 0) {
                return name;
            }
        }
        return string();
    }

    /** A string literal (§5.2): H flag and 7-bit-prefix length, then that many octets. */
    private long string() {
        if (pos >= end) {
            return TRUNCATED;
        }
        long length = integer(7);
        if (length < 0) {
            return length;
        }
        if (length > end - pos) {
            return TRUNCATED;
        }
        pos += (int) length;
        return length;
    }

    /** An integer with an N-bit prefix (§5.1), starting at the current octet. */
    private long integer(int prefixBits) {
        if (pos >= end) {
            return TRUNCATED;
        }
        int max = (1 << prefixBits) - 1;
        long value = block.get(pos++) & max;
        if (value < max) {
            return value;
        }
        int shift = 0;
        while (true) {
            if (pos >= end) {
                return TRUNCATED;
            }
            int b = block.get(pos++) & 0xff;
            value += (long) (b & 0x7f) << shift;
            if (value > Integer.MAX_VALUE) {
                return OVERFLOW;
            }
            if ((b & 0x80) == 0) {
                return value;
            }
            shift += 7;
            if (shift > 28) {
                return OVERFLOW;
            }
        }
    }
}

package dev.finch.codec.http1;

import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.HttpProtocolException.Reason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Parses the field lines of one header or trailer section (RFC 9112 §5), line by line, within the byte and count
 * limits. Names come out lowercase, values trimmed of surrounding whitespace. Reused across responses via
 * {@link #reset()}.
 *
 * <p>The byte limit counts every field line with its CRLF (obs-fold continuation lines included), not the empty line
 * that ends the section.
 */
final class FieldSection {
    private final LineKind kind;
    private final int maxBytes;
    private final int maxCount;

    private HttpHeaders.Builder fields;
    /** The last field, held back until the next line shows it is not continued by obs-fold. */
    private String name;

    private String value;
    /** The value being joined from obs-fold lines, built once at commit (joining Strings per line is quadratic). */
    private StringBuilder folded;

    private int bytes;
    private int count;
    private byte[] scratch = new byte[64];

    FieldSection(LineKind kind, int maxBytes, int maxCount) {
        this.kind = kind;
        this.maxBytes = maxBytes;
        this.maxCount = maxCount;
    }

    void reset() {
        fields = null;
        name = null;
        value = null;
        folded = null;
        bytes = 0;
        count = 0;
    }

    /** The configured byte limit. */
    int maxBytes() {
        return maxBytes;
    }

    /**
     * How many bytes the next line may hold before its LF. The line and its LF must fit in what is left of the
     * limit; the empty line that ends the section (one CR) always fits.
     */
    int maxBeforeLf() {
        return Math.max(maxBytes - bytes - 1, 1);
    }

    /**
     * Takes one complete line, bytes {@code [start, end)} of {@code b} without its CRLF.
     *
     * @return whether it was the empty line that ends the section
     */
    boolean line(ByteBuffer b, int start, int end) throws HttpProtocolException {
        if (start == end) {
            return true;
        }
        // LineReader already held the line within maxBeforeLf(), so this cannot pass the limit.
        bytes += end - start + 2;
        if (Ascii.isWhitespace(b.get(start))) {
            continuation(b, start, end);
        } else {
            field(b, start, end);
        }
        return false;
    }

    /** The fields of the section, once {@link #line} returned true. */
    HttpHeaders finish() {
        commit();
        return fields == null ? HttpHeaders.EMPTY : fields.build();
    }

    private void field(ByteBuffer b, int start, int end) throws HttpProtocolException {
        if (count == maxCount) {
            throw new HttpProtocolException(
                    Reason.TOO_MANY_HEADERS, "more than " + maxCount + " fields in the " + sectionName());
        }
        commit();
        count++;
        // field-name = token, then ":" with no whitespace before it (RFC 9112 §5.1: a server MUST reject such a
        // line, and a proxy MUST strip the whitespace; a client must not guess which the sender meant).
        int length = end - start;
        if (scratch.length < length) {
            scratch = new byte[Math.max(length, scratch.length * 2)];
        }
        int hash = 0;
        int i = start;
        for (; i < end; i++) {
            int c = b.get(i) & 0xff;
            if (c == ':') {
                break;
            }
            if (!Ascii.isTchar(c)) {
                String why = Ascii.isWhitespace(c) && i > start ? " (whitespace before the colon)" : "";
                throw kind.invalid(
                        "byte " + Ascii.describe(c) + " at offset " + (i - start) + " of a field name" + why);
            }
            int lower = Ascii.toLower(c);
            scratch[i - start] = (byte) lower;
            hash = 31 * hash + lower;
        }
        if (i == end) {
            throw kind.invalid("field line without a colon: " + Ascii.quote(b, start, end));
        }
        if (i == start) {
            throw kind.invalid("empty field name");
        }
        int nameLength = i - start;
        String known = HeaderNames.lookup(scratch, nameLength, hash);
        name = known != null ? known : new String(scratch, 0, nameLength, StandardCharsets.ISO_8859_1);
        value = value(b, i + 1, end);
    }

    /**
     * An obs-fold line (RFC 9112 §5.2): a user agent replaces the fold with SP and keeps the field. Before the first
     * field such a line is invalid (RFC 9112 §2.2), as a recipient that kept it could be fooled about the start-line.
     */
    private void continuation(ByteBuffer b, int start, int end) throws HttpProtocolException {
        if (name == null) {
            throw kind.invalid("whitespace-preceded line before the first field");
        }
        String more = value(b, start, end);
        if (!more.isEmpty()) {
            if (folded == null) {
                folded = new StringBuilder(value.length() + more.length() + 16).append(value);
            }
            if (folded.length() > 0) {
                folded.append(' ');
            }
            folded.append(more);
        }
    }

    /** The value in {@code [from, to)}: validated, then trimmed of leading and trailing SP and HTAB. */
    private String value(ByteBuffer b, int from, int to) throws HttpProtocolException {
        for (int i = from; i < to; i++) {
            int c = b.get(i) & 0xff;
            if (!Ascii.isFieldChar(c)) {
                throw kind.invalid((c == Ascii.CR ? "bare CR " : "control character ") + Ascii.describe(c)
                        + " at offset " + (i - from) + " of the value of " + Ascii.quote(name));
            }
        }
        while (from < to && Ascii.isWhitespace(b.get(from))) {
            from++;
        }
        while (to > from && Ascii.isWhitespace(b.get(to - 1))) {
            to--;
        }
        return latin1(b, from, to);
    }

    private String latin1(ByteBuffer b, int from, int to) {
        int length = to - from;
        if (length == 0) {
            return "";
        }
        if (b.hasArray()) {
            return new String(b.array(), b.arrayOffset() + from, length, StandardCharsets.ISO_8859_1);
        }
        // A direct or read-only buffer: one bulk copy, then the same decoding.
        if (scratch.length < length) {
            scratch = new byte[Math.max(length, scratch.length * 2)];
        }
        b.get(from, scratch, 0, length);
        return new String(scratch, 0, length, StandardCharsets.ISO_8859_1);
    }

    private void commit() {
        if (name != null) {
            if (fields == null) {
                fields = HttpHeaders.builder();
            }
            fields.add(name, folded == null ? value : folded.toString());
            name = null;
            value = null;
            folded = null;
        }
    }

    private String sectionName() {
        return kind == LineKind.HEADER ? "header section" : "trailer section";
    }
}

package dev.finch.codec.http1;

import java.nio.ByteBuffer;

/** Character classes of RFC 9110 §5.6 and the escaping used in error details. Shared by decoder and encoder. */
final class Ascii {
    static final byte CR = '\r';
    static final byte LF = '\n';
    static final byte SP = ' ';
    static final byte HTAB = '\t';

    /** RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA. */
    private static final boolean[] TCHAR = new boolean[256];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private Ascii() {}

    /** Whether the byte (or char, when below 256) is an RFC 9110 tchar. */
    static boolean isTchar(int c) {
        return c >= 0 && c < 256 && TCHAR[c];
    }

    /** A token: one or more tchar (RFC 9110 §5.6.2). */
    static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!isTchar(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the byte may appear in a field value or reason phrase: HTAB, SP, VCHAR or obs-text (RFC 9110 §5.5, RFC
     * 9112 §4). Everything else is a control character (CR, LF and NUL included) and is refused.
     */
    static boolean isFieldChar(int c) {
        return c == HTAB || (c >= 0x20 && c != 0x7f && c <= 0xff);
    }

    static boolean isWhitespace(int c) {
        return c == SP || c == HTAB;
    }

    static int toLower(int c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    /** -1 if not a hexadecimal digit. */
    static int hexValue(int c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        int lower = c | 0x20;
        return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
    }

    /** A byte for an error detail: {@code 0x0d (CR)}, {@code 0x3a (':')}. */
    static String describe(int c) {
        String hex = String.format("0x%02x", c);
        switch (c) {
            case CR:
                return hex + " (CR)";
            case LF:
                return hex + " (LF)";
            case 0:
                return hex + " (NUL)";
            case HTAB:
                return hex + " (HTAB)";
            case SP:
                return hex + " (SP)";
            default:
                return c > 0x20 && c < 0x7f ? hex + " ('" + (char) c + "')" : hex;
        }
    }

    /**
     * Peer or caller text quoted for an error detail: printable ASCII kept, everything else as {@code \xHH}, cut at
     * 40 characters so a hostile value cannot flood logs or inject lines into them.
     */
    static String quote(CharSequence s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), 40) + 8).append('"');
        int n = Math.min(s.length(), 40);
        for (int i = 0; i < n; i++) {
            appendEscaped(sb, s.charAt(i));
        }
        return sb.append(s.length() > n ? "\"..." : "\"").toString();
    }

    /** Like {@link #quote(CharSequence)} for bytes {@code [from, to)} of a buffer. */
    static String quote(ByteBuffer b, int from, int to) {
        StringBuilder sb = new StringBuilder(48).append('"');
        int n = Math.min(to, from + 40);
        for (int i = from; i < n; i++) {
            appendEscaped(sb, b.get(i) & 0xff);
        }
        return sb.append(to > n ? "\"..." : "\"").toString();
    }

    private static void appendEscaped(StringBuilder sb, int c) {
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            sb.append((char) c);
        } else {
            sb.append(c > 0xff ? String.format("\\u%04x", c) : String.format("\\x%02x", c));
        }
    }
}

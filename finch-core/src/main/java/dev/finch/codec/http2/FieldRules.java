package dev.finch.codec.http2;

/**
 * Character rules for HTTP/2 field names and values (RFC 9113 §8.2), shared by {@link RequestHeaderValidator} (what we
 * send) and {@link Hpack} (what we receive).
 */
final class FieldRules {
    // RFC 9110 §5.6.2 tchar, minus uppercase letters (RFC 9113 §8.2.1: names are lowercase in HTTP/2).
    private static final boolean[] LOWERCASE_TCHAR = new boolean[128];

    static {
        for (char c = 'a'; c <= 'z'; c++) {
            LOWERCASE_TCHAR[c] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            LOWERCASE_TCHAR[c] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            LOWERCASE_TCHAR[c] = true;
        }
    }

    private FieldRules() {}

    /**
     * What is wrong with a field name, or null: it must be a non-empty token without uppercase letters; a
     * pseudo-header is ':' followed by such a token (§8.2.1, §8.3).
     */
    static String nameProblem(String name) {
        int start = name.startsWith(":") ? 1 : 0;
        if (name.length() == start) {
            return "empty header name";
        }
        for (int i = start; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                return "uppercase in header name '" + name + "' (RFC 9113 §8.2.1)";
            }
            if (c >= 128 || !LOWERCASE_TCHAR[c]) {
                return "header name '" + printable(name) + "' is not a token";
            }
        }
        return null;
    }

    /** Whether {@code s} is a non-empty RFC 9110 token, in any case (a method). */
    static boolean isToken(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 128 || !(LOWERCASE_TCHAR[c] || (c >= 'A' && c <= 'Z'))) {
                return false;
            }
        }
        return !s.isEmpty();
    }

    /**
     * Whether a received value is acceptable (§8.2.1): no NUL, CR or LF anywhere, no leading or trailing space or
     * tab. Other control characters are left to the application, as RFC 9113 leaves them.
     */
    static boolean isValidReceivedValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == 0 || c == '\r' || c == '\n') {
                return false;
            }
        }
        return !hasEdgeWhitespace(value);
    }

    /**
     * Whether a value we send is acceptable: the received rules plus no other control character except tab (RFC
     * 9110 §5.5 field-value) and nothing above U+00FF, which HPACK's octets cannot carry.
     */
    static boolean isValidSentValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
                return false;
            }
        }
        return !hasEdgeWhitespace(value);
    }

    /**
     * Whether a (lowercase) name is connection-specific and so banned from HTTP/2 messages (§8.2.2). {@code te} is
     * not listed: it is allowed with the value "trailers" only, which callers check.
     */
    static boolean isConnectionSpecific(String name) {
        return switch (name) {
            case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade" -> true;
            default -> false;
        };
    }

    /** Whether a field breaks the §8.2.2 rule for TE: only the value "trailers" is allowed. */
    static boolean isBadTe(String name, String value) {
        return name.equals("te") && !value.equals("trailers");
    }

    private static boolean hasEdgeWhitespace(String value) {
        if (value.isEmpty()) {
            return false;
        }
        char first = value.charAt(0);
        char last = value.charAt(value.length() - 1);
        return first == ' ' || first == '\t' || last == ' ' || last == '\t';
    }

    /** A name safe to put in a message: control characters escaped. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}

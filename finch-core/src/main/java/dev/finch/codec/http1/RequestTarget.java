package dev.finch.codec.http1;

import dev.finch.http.HttpProtocolException;
import dev.finch.http.HttpProtocolException.Reason;

/**
 * Checks a request-target (RFC 9112 §3.2) against RFC 3986's characters. The form is chosen by the method and the
 * first character: CONNECT takes the authority-form ({@code host:port}), OPTIONS may take the asterisk-form, a
 * leading {@code /} is the origin-form, anything else must be an absolute-form URI ({@code scheme:...}).
 *
 * <p>Without validation the target is still refused when empty or when it holds SP or a control character: those
 * would end the request line early and let the rest be read as headers (request smuggling), not merely be
 * non-standard.
 */
public final class RequestTarget {
    private static final int UNRESERVED = 1;
    private static final int SUB_DELIM = 2;
    private static final int COLON = 4;
    private static final int AT = 8;
    /** {@code /} and {@code ?}, allowed in path and query. */
    private static final int SLASH_QUESTION = 16;
    /** {@code [} and {@code ]}, only around an IP literal in the authority (RFC 3986 §3.2.2). */
    private static final int BRACKET = 32;

    /** RFC 3986 §3.3 and §3.4: pchar (unreserved, sub-delims, ":", "@"), "/" and "?". */
    private static final int PATH_QUERY = UNRESERVED | SUB_DELIM | COLON | AT | SLASH_QUESTION;
    /** RFC 3986 §3.2: [userinfo "@"] host [":" port]. */
    private static final int AUTHORITY = UNRESERVED | SUB_DELIM | COLON | AT | BRACKET;

    private static final byte[] CLASSES = new byte[128];

    static {
        for (int c = 0; c < 128; c++) {
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                CLASSES[c] = UNRESERVED;
            }
        }
        "!$&'()*+,;=".chars().forEach(c -> CLASSES[c] = SUB_DELIM);
        CLASSES[':'] = COLON;
        CLASSES['@'] = AT;
        CLASSES['/'] = SLASH_QUESTION;
        CLASSES['?'] = SLASH_QUESTION;
        CLASSES['['] = BRACKET;
        CLASSES[']'] = BRACKET;
    }

    private RequestTarget() {}

    /**
     * Checks {@code target} for {@code method}; HTTP/2 checks its {@code :path} (and absolute-form targets) with it
     * too, so both protocols refuse the same targets.
     *
     * @param validate whether to apply RFC 3986; without it only an empty target, SP, controls and characters above
     *     U+00FF are refused
     * @throws HttpProtocolException INVALID_REQUEST_TARGET naming the character and its index
     */
    public static void check(String method, String target, boolean validate) throws HttpProtocolException {
        if (target.isEmpty()) {
            throw invalid("empty target");
        }
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= 0x20 || c == 0x7f || c > 0xff) {
                throw invalid(c, i, "");
            }
        }
        if (!validate) {
            return;
        }
        if (method.equals("CONNECT")) {
            authorityForm(target);
        } else if (target.equals("*")) {
            if (!method.equals("OPTIONS")) {
                throw invalid("the asterisk-form is only for OPTIONS (RFC 9112 §3.2.4)");
            }
        } else if (target.charAt(0) == '/') {
            chars(target, 0, target.length(), PATH_QUERY);
        } else {
            absoluteForm(target);
        }
    }

    /** RFC 9112 §3.2.2: {@code absolute-URI}, i.e. {@code scheme ":" hier-part [ "?" query ]}, no fragment. */
    private static void absoluteForm(String target) throws HttpProtocolException {
        int colon = target.indexOf(':');
        if (colon <= 0) {
            throw invalid("neither an origin-form path (\"/...\") nor an absolute URI: " + Ascii.quote(target));
        }
        // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), RFC 3986 §3.1
        for (int i = 0; i < colon; i++) {
            char c = target.charAt(i);
            boolean alpha = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
            if (!(alpha || (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')))) {
                throw invalid(c, i, " of the scheme");
            }
        }
        int pathStart = colon + 1;
        if (target.startsWith("//", pathStart)) {
            int authorityEnd = pathStart + 2;
            while (authorityEnd < target.length() && "/?#".indexOf(target.charAt(authorityEnd)) < 0) {
                authorityEnd++;
            }
            chars(target, pathStart + 2, authorityEnd, AUTHORITY);
            pathStart = authorityEnd;
        }
        chars(target, pathStart, target.length(), PATH_QUERY);
    }

    /** RFC 9112 §3.2.3: {@code uri-host ":" port}, for CONNECT; no userinfo. */
    private static void authorityForm(String target) throws HttpProtocolException {
        int colon = target.lastIndexOf(':');
        if (colon <= 0 || colon == target.length() - 1) {
            throw invalid("CONNECT needs host:port, got " + Ascii.quote(target));
        }
        for (int i = colon + 1; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c < '0' || c > '9') {
                throw invalid(c, i, " of the port");
            }
        }
        if (target.charAt(0) == '[') {
            if (target.charAt(colon - 1) != ']') {
                throw invalid("unclosed IP literal in " + Ascii.quote(target));
            }
            chars(target, 1, colon - 1, UNRESERVED | SUB_DELIM | COLON);
        } else {
            chars(target, 0, colon, UNRESERVED | SUB_DELIM);
        }
    }

    /** Every character of {@code s[from, to)} in {@code allowed}, or a valid {@code %HH} escape. */
    private static void chars(String s, int from, int to, int allowed) throws HttpProtocolException {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= to || Ascii.hexValue(s.charAt(i + 1)) < 0 || Ascii.hexValue(s.charAt(i + 2)) < 0) {
                    throw invalid("bad percent-escape at index " + i + " of " + Ascii.quote(s));
                }
                i += 2;
            } else if (c >= 128 || (CLASSES[c] & allowed) == 0) {
                throw invalid(c, i, c == '#' ? " (a fragment is never sent, RFC 9112 §3.2)" : "");
            }
        }
    }

    private static HttpProtocolException invalid(char c, int index, String where) {
        return invalid("character " + Ascii.describe(c) + " at index " + index + where);
    }

    private static HttpProtocolException invalid(String detail) {
        return new HttpProtocolException(Reason.INVALID_REQUEST_TARGET, detail);
    }
}

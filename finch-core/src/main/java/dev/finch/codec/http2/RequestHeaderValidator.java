package dev.finch.codec.http2;

import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.HttpProtocolException.Reason;
import java.util.Locale;

/**
 * Checks a request's field list before it is HPACK-encoded and sent (RFC 9113 §8.2, §8.3.1), so that nothing a peer
 * would call malformed, and no header injection, leaves this client. Mint validates nothing on HTTP/2; we do.
 *
 * <p>The list is what goes on the wire: pseudo-headers first, then regular fields, all names lowercase. {@link
 * HttpHeaders} keeps the case callers gave, so a connection lowercases user headers with {@link #lowercaseNames}
 * first. Errors name the offending header but never show a value, which may be a credential.
 */
public final class RequestHeaderValidator {
    private RequestHeaderValidator() {}

    /**
     * Validates a complete request field list.
     *
     * @throws HttpProtocolException INVALID_HEADER_NAME for a name that is not a lowercase token, a connection-specific
     *     field (connection, keep-alive, proxy-connection, transfer-encoding, upgrade: §8.2.2), a pseudo-header that
     *     is unknown, repeated, after a regular field, missing or not allowed for the method (§8.3.1);
     *     INVALID_HEADER_VALUE for a value with a control character or leading/trailing whitespace, a {@code te}
     *     other than "trailers", or a {@code host} that differs from {@code :authority}; INVALID_METHOD and
     *     INVALID_REQUEST_TARGET for bad {@code :method} and {@code :path} values
     */
    public static void validate(HttpHeaders fields) throws HttpProtocolException {
        String method = null;
        String scheme = null;
        String authority = null;
        String path = null;
        boolean regularSeen = false;
        for (int i = 0; i < fields.size(); i++) {
            String name = fields.name(i);
            String value = fields.value(i);
            checkField(name, value);
            if (!name.startsWith(":")) {
                regularSeen = true;
                continue;
            }
            if (regularSeen) {
                throw nameError(name, "pseudo-header after a regular field (RFC 9113 §8.3)");
            }
            boolean repeated;
            switch (name) {
                case ":method" -> {
                    repeated = method != null;
                    method = value;
                }
                case ":scheme" -> {
                    repeated = scheme != null;
                    scheme = value;
                }
                case ":authority" -> {
                    repeated = authority != null;
                    authority = value;
                }
                case ":path" -> {
                    repeated = path != null;
                    path = value;
                }
                    // :status belongs to responses; :protocol (RFC 8441 extended CONNECT) is not supported.
                default -> throw nameError(name, "not a request pseudo-header (RFC 9113 §8.3.1)");
            }
            if (repeated) {
                throw nameError(name, "repeated pseudo-header (RFC 9113 §8.3.1)");
            }
        }
        checkPseudoHeaders(method, scheme, authority, path);
        String host = fields.first("host");
        if (host != null && authority != null && !host.equalsIgnoreCase(authority)) {
            throw new HttpProtocolException(
                    Reason.INVALID_HEADER_VALUE, "host: differs from :authority (RFC 9113 §8.3.1)");
        }
    }

    /**
     * Validates trailers sent after a request body: regular fields only, by the same rules as {@link #validate}.
     *
     * @throws HttpProtocolException INVALID_HEADER_NAME / INVALID_HEADER_VALUE as for {@link #validate}, and for
     *     any pseudo-header (§8.1)
     */
    public static void validateTrailers(HttpHeaders trailers) throws HttpProtocolException {
        for (int i = 0; i < trailers.size(); i++) {
            String name = trailers.name(i);
            checkField(name, trailers.value(i));
            if (name.startsWith(":")) {
                throw nameError(name, "pseudo-header in trailers (RFC 9113 §8.1)");
            }
        }
    }

    /** The same fields with names lowercased (RFC 9113 §8.2.1); values and order unchanged. */
    public static HttpHeaders lowercaseNames(HttpHeaders headers) {
        HttpHeaders.Builder out = HttpHeaders.builder();
        for (int i = 0; i < headers.size(); i++) {
            out.add(headers.name(i).toLowerCase(Locale.ROOT), headers.value(i));
        }
        return out.build();
    }

    private static void checkField(String name, String value) throws HttpProtocolException {
        String problem = FieldRules.nameProblem(name);
        if (problem != null) {
            throw new HttpProtocolException(Reason.INVALID_HEADER_NAME, problem);
        }
        if (FieldRules.isConnectionSpecific(name)) {
            throw nameError(name, "connection-specific header not allowed in HTTP/2 (RFC 9113 §8.2.2)");
        }
        if (!FieldRules.isValidSentValue(value)) {
            throw new HttpProtocolException(
                    Reason.INVALID_HEADER_VALUE,
                    name + ": value has a control character, leading/trailing whitespace or a character above U+00FF");
        }
        if (FieldRules.isBadTe(name, value)) {
            throw new HttpProtocolException(
                    Reason.INVALID_HEADER_VALUE, "te: only \"trailers\" is allowed in HTTP/2 (RFC 9113 §8.2.2)");
        }
    }

    private static void checkPseudoHeaders(String method, String scheme, String authority, String path)
            throws HttpProtocolException {
        if (method == null) {
            throw nameError(":method", "missing (RFC 9113 §8.3.1)");
        }
        if (!FieldRules.isToken(method)) {
            throw new HttpProtocolException(Reason.INVALID_METHOD, ":method is not a token");
        }
        if (method.equals("CONNECT")) {
            // §8.5: CONNECT carries only :method and :authority.
            if (scheme != null || path != null) {
                throw nameError(scheme != null ? ":scheme" : ":path", "not allowed with CONNECT (RFC 9113 §8.5)");
            }
            if (authority == null) {
                throw nameError(":authority", "missing, required with CONNECT (RFC 9113 §8.5)");
            }
            return;
        }
        if (scheme == null) {
            throw nameError(":scheme", "missing (RFC 9113 §8.3.1)");
        }
        if (path == null) {
            throw nameError(":path", "missing (RFC 9113 §8.3.1)");
        }
        boolean asterisk = path.equals("*") && method.equals("OPTIONS");
        if (!asterisk && !path.startsWith("/")) {
            throw new HttpProtocolException(
                    Reason.INVALID_REQUEST_TARGET, ":path must start with '/' (or be '*' for OPTIONS)");
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw new HttpProtocolException(
                        Reason.INVALID_REQUEST_TARGET, ":path has a space, control or non-ASCII character at " + i);
            }
            if (c == '#') {
                // §8.3.1: :path is absolute-path [ "?" query ]; a fragment is never sent.
                throw new HttpProtocolException(Reason.INVALID_REQUEST_TARGET, ":path has a fragment ('#') at " + i);
            }
        }
    }

    private static HttpProtocolException nameError(String name, String problem) {
        return new HttpProtocolException(Reason.INVALID_HEADER_NAME, name + ": " + problem);
    }
}

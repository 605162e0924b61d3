package dev.finch.conn;

import dev.finch.codec.http1.Http1Encoder;
import dev.finch.codec.http1.RequestTarget;
import dev.finch.codec.http2.RequestHeaderValidator;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.HttpProtocolException.Reason;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * Builds the field list of an HTTP/2 request (RFC 9113 §8.3.1): pseudo-headers first ({@code :method :scheme
 * :authority :path}), then the caller's fields with names lowercased (§8.2.1), then the defaults the HTTP/1 encoder
 * adds too. The list is validated with {@link RequestHeaderValidator} before anything is encoded, so a refused request
 * leaves no trace on the connection.
 */
final class Http2RequestFields {
    private Http2RequestFields() {}

    /**
     * The request's fields.
     *
     * @param target origin-form ({@code /path?query}), {@code *} (OPTIONS), absolute-form (its scheme and authority
     *     become the pseudo-headers) or authority-form (CONNECT, §8.5)
     * @param authority the connection's {@code host[:port]}, port omitted when it is the scheme's default; a {@code
     *     host} field from the caller replaces it (§8.3.1: :authority carries what Host would)
     * @param validateTarget whether to check {@code target} against RFC 3986 as HTTP/1 does ({@link
     *     ConnectOptions#validateTarget()}); a fragment is refused either way (RFC 9113 §8.3.1)
     * @param bodyLength the length of a body known now, added as content-length when the caller gave none; -1 for
     *     none
     * @throws HttpProtocolException INVALID_REQUEST_TARGET, INVALID_METHOD, INVALID_HEADER_NAME, INVALID_HEADER_VALUE
     *     as {@link RequestHeaderValidator#validate} says, naming the offending header
     */
    static HttpHeaders build(
            String method,
            String target,
            HttpHeaders headers,
            Scheme scheme,
            String authority,
            String userAgent,
            boolean validateTarget,
            long bodyLength)
            throws HttpProtocolException {
        if (method == null || target == null) {
            throw new IllegalArgumentException("method and target must not be null");
        }
        if (validateTarget) {
            RequestTarget.check(method, target, true);
        } else if (!method.equals("CONNECT") && target.indexOf('#') >= 0) {
            // An absolute-form target is parsed below, and the parser would drop the fragment silently.
            throw new HttpProtocolException(
                    Reason.INVALID_REQUEST_TARGET, "a fragment is never sent (RFC 9113 §8.3.1: :path has none)");
        }
        HttpHeaders fields = RequestHeaderValidator.lowercaseNames(headers == null ? HttpHeaders.EMPTY : headers);
        String schemeValue = scheme.id();
        String path;
        String host = fields.first("host");
        String auth = host != null ? host : authority;
        if (method.equals("CONNECT")) {
            // §8.5: only :method and :authority.
            schemeValue = null;
            path = null;
            auth = target;
        } else if (target.startsWith("/") || target.equals("*")) {
            path = target;
        } else {
            URI uri = absolute(target);
            Scheme targetScheme = Scheme.of(uri.getScheme());
            schemeValue = targetScheme.id();
            auth = authorityOf(uri.getRawAuthority(), targetScheme.defaultPort());
            path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        }
        HttpHeaders.Builder b = HttpHeaders.builder().add(":method", method);
        if (schemeValue != null) {
            b.add(":scheme", schemeValue);
        }
        b.add(":authority", auth);
        if (path != null) {
            b.add(":path", path);
        }
        for (int i = 0; i < fields.size(); i++) {
            if (!fields.name(i).equals("host")) {
                b.add(fields.name(i), fields.value(i));
            }
        }
        if (userAgent != null && !fields.contains("user-agent")) {
            b.add("user-agent", userAgent);
        }
        if (bodyLength >= 0 && !fields.contains("content-length")) {
            b.add("content-length", Long.toString(bodyLength));
        }
        HttpHeaders built = b.build();
        RequestHeaderValidator.validate(built);
        return built;
    }

    /**
     * The content-length the caller declared, or -1 if none.
     *
     * @throws HttpProtocolException INVALID_CONTENT_LENGTH if it is not one decimal number
     */
    static long declaredLength(HttpHeaders headers) throws HttpProtocolException {
        long length = -1;
        if (headers == null) {
            return length;
        }
        for (String v : headers.all("content-length")) {
            long n = -1;
            if (!v.isEmpty() && v.length() <= 18 && v.chars().allMatch(c -> c >= '0' && c <= '9')) {
                n = Long.parseLong(v);
            }
            if (n < 0 || (length >= 0 && n != length)) {
                throw new HttpProtocolException(Reason.INVALID_CONTENT_LENGTH, "content-length is not one number");
            }
            length = n;
        }
        return length;
    }

    /**
     * The {@code :authority} of an absolute-form target: its host and port, without the userinfo that RFC 9113 §8.3.1
     * forbids for http and https, and without the scheme's default port (as the connection's own authority); an IPv6
     * literal stays in brackets.
     *
     * @throws HttpProtocolException INVALID_REQUEST_TARGET for an empty host or a port that is not a number
     */
    static String authorityOf(String rawAuthority, int defaultPort) throws HttpProtocolException {
        String hostPort = rawAuthority.substring(rawAuthority.lastIndexOf('@') + 1);
        int portStart = hostPort.startsWith("[") ? hostPort.indexOf("]:") + 1 : hostPort.lastIndexOf(':');
        String host = portStart <= 0 ? hostPort : hostPort.substring(0, portStart);
        String port = portStart <= 0 ? "" : hostPort.substring(portStart + 1);
        if (host.isEmpty()
                || host.equals("[]")
                || port.length() > 5
                || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new HttpProtocolException(Reason.INVALID_REQUEST_TARGET, "absolute-form target without host[:port]");
        }
        return port.isEmpty() ? host : Http1Encoder.authority(host, Integer.parseInt(port), defaultPort);
    }

    private static URI absolute(String target) throws HttpProtocolException {
        try {
            URI uri = new URI(target);
            String s = uri.getScheme();
            if (s != null
                    && (s.equalsIgnoreCase("http") || s.equalsIgnoreCase("https"))
                    && uri.getRawAuthority() != null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // refused below
        }
        throw new HttpProtocolException(
                Reason.INVALID_REQUEST_TARGET, "not origin-form, absolute-form, '*' or (with CONNECT) authority-form");
    }
}

package dev.finch.testing;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLSession;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The routes a {@link JettyServer} answers when no handler is given: the few things transport and connection tests
 * commonly need. Every response but {@code /chunked}, {@code /trailers} and {@code /echo} without a request length
 * has a Content-Length.
 *
 * <table>
 *   <caption>Routes</caption>
 *   <tr><th>path</th><th>answer</th></tr>
 *   <tr><td>{@code /echo}</td><td>200; the request body as the response body (same length when the request has one);
 *       headers {@code X-Echo-Method}, {@code X-Echo-Uri} (path and query), {@code X-Echo-Protocol}
 *       ({@code HTTP/1.1}, {@code HTTP/2.0}), and {@code X-Echo-<name>} for every request header</td></tr>
 *   <tr><td>{@code /bytes/{n}}</td><td>200; {@link #bytes(int) bytes(n)} with Content-Length</td></tr>
 *   <tr><td>{@code /chunked/{n}}</td><td>200; {@link #bytes(int) bytes(n)} written in 8 KiB pieces without
 *       Content-Length (chunked on HTTP/1.1)</td></tr>
 *   <tr><td>{@code /trailers}</td><td>200; body {@code hello trailers} without Content-Length, then trailer
 *       {@code X-Trailer: done}</td></tr>
 *   <tr><td>{@code /status/{code}}</td><td>that status (200..599), empty body</td></tr>
 *   <tr><td>{@code /slow/{ms}}</td><td>200 {@code slow} after {@code ms} milliseconds (scheduled, no thread
 *       blocked)</td></tr>
 *   <tr><td>{@code /digest}</td><td>200; {@code <length> <sha-256 hex>} of the request body, for large uploads</td></tr>
 *   <tr><td>{@code /tls}</td><td>200; lines {@code protocol=}, {@code cipher=}, {@code sni=} (empty if none) of the
 *       TLS session, and {@code http=} (the HTTP version); 400 on a plain connection</td></tr>
 *   <tr><td>anything else</td><td>404</td></tr>
 * </table>
 */
public final class TestRoutes extends Handler.Abstract {
    private static final int CHUNK = 8 * 1024;

    /** The body of {@code /bytes/n} and {@code /chunked/n}: byte {@code i} is {@code i % 251} (a prime period). */
    public static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i % 251);
        }
        return b;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = request.getHttpURI().getPath();
        String[] parts = path.split("/", -1); // "", route, argument
        String route = parts.length > 1 ? parts[1] : "";
        String arg = parts.length > 2 ? parts[2] : null;
        try {
            switch (route) {
                case "echo" -> echo(request, response, callback);
                case "bytes" -> fixed(response, callback, bytes(number(arg)));
                case "chunked" -> chunked(response, callback, bytes(number(arg)));
                case "trailers" -> trailers(response, callback);
                case "status" -> status(response, callback, number(arg));
                case "slow" -> request.getComponents()
                        .getScheduler()
                        .schedule(() -> text(response, callback, 200, "slow"), number(arg), TimeUnit.MILLISECONDS);
                case "digest" -> digest(request, response, callback);
                case "tls" -> tls(request, response, callback);
                default -> Response.writeError(request, response, callback, 404);
            }
        } catch (NumberFormatException e) {
            Response.writeError(request, response, callback, 400, "bad number in " + path);
        }
        return true;
    }

    private static void echo(Request request, Response response, Callback callback) {
        HttpFields.Mutable h = response.getHeaders();
        h.put("X-Echo-Method", request.getMethod());
        h.put("X-Echo-Uri", request.getHttpURI().getPathQuery());
        h.put("X-Echo-Protocol", request.getConnectionMetaData().getProtocol());
        for (HttpField f : request.getHeaders()) {
            h.add("X-Echo-" + f.getName(), f.getValue());
        }
        long length = request.getLength();
        if (length >= 0) {
            h.put(HttpHeader.CONTENT_LENGTH, length);
        }
        String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        h.put(HttpHeader.CONTENT_TYPE, type == null ? "application/octet-stream" : type);
        response.setStatus(200);
        Content.copy(request, response, callback);
    }

    private static void fixed(Response response, Callback callback, byte[] body) {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    private static void chunked(Response response, Callback callback, byte[] body) throws Exception {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
        // Blocking writes are allowed: Handler.Abstract runs on a pool thread that may block.
        for (int offset = 0; offset < body.length; offset += CHUNK) {
            Content.Sink.write(response, false, ByteBuffer.wrap(body, offset, Math.min(CHUNK, body.length - offset)));
        }
        response.write(true, ByteBuffer.allocate(0), callback);
    }

    private static void trailers(Response response, Callback callback) throws Exception {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
        response.setTrailersSupplier(() -> HttpFields.build().add("X-Trailer", "done"));
        Content.Sink.write(response, false, ByteBuffer.wrap("hello ".getBytes(StandardCharsets.US_ASCII)));
        response.write(true, ByteBuffer.wrap("trailers".getBytes(StandardCharsets.US_ASCII)), callback);
    }

    private static void status(Response response, Callback callback, int code) {
        if (code < 200 || code > 599) {
            throw new NumberFormatException("status out of range: " + code);
        }
        response.setStatus(code);
        if (code != 204 && code != 304) {
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
        }
        response.write(true, null, callback);
    }

    private static void digest(Request request, Response response, Callback callback) throws Exception {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        long length = 0;
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = Content.Source.asInputStream(request)) {
            // Bounded by the request body.
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                sha256.update(buffer, 0, n);
                length += n;
            }
        }
        text(response, callback, 200, length + " " + HexFormat.of().formatHex(sha256.digest()));
    }

    private static void tls(Request request, Response response, Callback callback) {
        if (!(request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE) instanceof EndPoint.SslSessionData data)) {
            text(response, callback, 400, "not TLS");
            return;
        }
        SSLSession session = data.sslSession();
        String sni = session instanceof ExtendedSSLSession e
                ? e.getRequestedServerNames().stream()
                        .filter(n -> n instanceof SNIHostName)
                        .map(n -> ((SNIHostName) n).getAsciiName())
                        .collect(Collectors.joining(","))
                : "";
        text(
                response,
                callback,
                200,
                "protocol=" + session.getProtocol() + "\ncipher=" + session.getCipherSuite() + "\nsni=" + sni
                        + "\nhttp=" + request.getConnectionMetaData().getProtocol() + "\n");
    }

    private static void text(Response response, Callback callback, int status, String text) {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    private static int number(String s) {
        if (s == null) {
            throw new NumberFormatException("missing number");
        }
        int n = Integer.parseInt(s);
        if (n < 0) {
            throw new NumberFormatException("negative: " + n);
        }
        return n;
    }
}

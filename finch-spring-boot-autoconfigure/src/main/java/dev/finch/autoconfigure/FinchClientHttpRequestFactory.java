package dev.finch.autoconfigure;

import dev.finch.AsyncRef;
import dev.finch.FinchClient;
import dev.finch.Request;
import dev.finch.RequestOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.StreamingHttpOutputMessage;
import org.springframework.http.client.AbstractStreamingClientHttpRequest;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.ClientHttpResponse;

/**
 * A {@link ClientHttpRequestFactory} that sends RestClient and RestTemplate requests through a {@link FinchClient}'s
 * pools. Bodies stream both ways: Spring writes the request body while Finch sends it, and reads the response body as
 * it arrives. Every factory built for the same client shares its pools; the factory owns nothing to close.
 *
 * <p>When built from {@code HttpClientSettings} with a connect timeout or an SSL bundle that the origin's pool does not
 * have, requests go to a pool of that origin tagged after those settings, started on first use (connect options are
 * per pool in Finch) and forgotten by the client once it stops.
 *
 * <p>A streamed body is ended only once Spring wrote all of it: when the writer throws, the request is aborted (the
 * HTTP/1 connection closed without the last chunk, the HTTP/2 stream reset) and the caller gets the writer's
 * exception.
 *
 * <p>Requests carry the private value {@link #OBSERVED_BY_SPRING} so that Finch's own observation does not time them
 * a second time (RestClient observes them as {@code http.client.requests} already).
 */
public final class FinchClientHttpRequestFactory implements ClientHttpRequestFactory {
    /** The private-data key marking requests that Spring's RestClient or RestTemplate observe themselves. */
    public static final String OBSERVED_BY_SPRING = "finch.observed-by-spring";

    /** Known request bodies up to this size are buffered, so that a stale connection can be retried. */
    static final int BUFFER_LIMIT = 64 * 1024;

    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
    private static final int MAX_REDIRECTS = 10;

    private final FinchClient client;
    private final RequestOptions options;
    private final boolean followRedirects;
    private final SettingsPools pools;

    /**
     * A factory sending every request to its origin's own pool.
     *
     * @param options the options of every request (from the client's defaults and Spring's read timeout)
     * @param followRedirects whether to follow 301, 302, 303, 307 and 308 responses (up to 10 in a row)
     */
    public FinchClientHttpRequestFactory(FinchClient client, RequestOptions options, boolean followRedirects) {
        this(client, options, followRedirects, SettingsPools.NONE);
    }

    FinchClientHttpRequestFactory(
            FinchClient client, RequestOptions options, boolean followRedirects, SettingsPools pools) {
        this.client = client;
        this.options = options;
        this.followRedirects = followRedirects;
        this.pools = pools;
    }

    /** The Finch client behind this factory. */
    public FinchClient client() {
        return client;
    }

    /** The options requests are sent with. */
    public RequestOptions options() {
        return options;
    }

    /** Whether redirects are followed. */
    public boolean followsRedirects() {
        return followRedirects;
    }

    /** The connect timeout of {@code HttpClientSettings} that requests get, if one was given. */
    public Optional<Duration> connectTimeout() {
        return Optional.ofNullable(pools.connectTimeout());
    }

    /** The SSL bundle of {@code HttpClientSettings} that https requests get, if one was given. */
    public Optional<SslBundle> sslBundle() {
        return Optional.ofNullable(pools.sslBundle());
    }

    @Override
    public ClientHttpRequest createRequest(URI uri, HttpMethod method) {
        return new FinchClientHttpRequest(uri, method);
    }

    private final class FinchClientHttpRequest extends AbstractStreamingClientHttpRequest {
        private final URI uri;
        private final HttpMethod method;

        FinchClientHttpRequest(URI uri, HttpMethod method) {
            this.uri = uri;
            this.method = method;
        }

        @Override
        public HttpMethod getMethod() {
            return method;
        }

        @Override
        public URI getURI() {
            return uri;
        }

        @Override
        protected ClientHttpResponse executeInternal(HttpHeaders headers, StreamingHttpOutputMessage.Body body)
                throws IOException {
            byte[] bytes = null;
            if (body != null
                    && body.repeatable()
                    && headers.getContentLength() >= 0
                    && headers.getContentLength() <= BUFFER_LIMIT) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                body.writeTo(out);
                bytes = out.toByteArray();
            }
            String m = method.name();
            URI target = uri;
            for (int hops = 0; ; hops++) {
                boolean streamed = body != null && bytes == null;
                ClientHttpResponse response = send(m, target, headers, streamed ? body : null, bytes);
                int status = response.getStatusCode().value();
                String location = response.getHeaders().getFirst(HttpHeaders.LOCATION);
                if (!followRedirects
                        || !REDIRECTS.contains(status)
                        || location == null
                        || hops >= MAX_REDIRECTS
                        || (streamed && status != 303)) {
                    return response;
                }
                URI next = target.resolve(location);
                if ("https".equalsIgnoreCase(target.getScheme()) && !"https".equalsIgnoreCase(next.getScheme())) {
                    // Never follow a downgrade from TLS to plain text: hand the redirect to the caller instead.
                    return response;
                }
                response.close();
                if (!sameOrigin(target, next)) {
                    // Credentials belong to the origin they were meant for (as the JDK and Apache clients do).
                    headers = new HttpHeaders(headers);
                    headers.remove(HttpHeaders.AUTHORIZATION);
                    headers.remove(HttpHeaders.PROXY_AUTHORIZATION);
                    headers.remove(HttpHeaders.COOKIE);
                }
                target = next;
                if (status == 303 || ((status == 301 || status == 302) && "POST".equals(m))) {
                    m = "GET".equals(m) || "HEAD".equals(m) ? m : "GET";
                    bytes = null;
                    body = null;
                    headers = new HttpHeaders(headers);
                    headers.remove(HttpHeaders.CONTENT_LENGTH);
                    headers.remove(HttpHeaders.CONTENT_TYPE);
                }
            }
        }

        private static boolean sameOrigin(URI a, URI b) {
            return a.getScheme().equalsIgnoreCase(b.getScheme())
                    && a.getHost() != null
                    && a.getHost().equalsIgnoreCase(b.getHost())
                    && port(a) == port(b);
        }

        private static int port(URI u) {
            return u.getPort() != -1 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
        }

        private ClientHttpResponse send(
                String m, URI target, HttpHeaders headers, StreamingHttpOutputMessage.Body streamed, byte[] bytes)
                throws IOException {
            Request.Builder rb = Request.builder(m, target).putPrivate(OBSERVED_BY_SPRING, Boolean.TRUE);
            SettingsPools.Route route = pools.route(client, target);
            RequestOptions requestOptions = options;
            if (route != null) {
                rb.poolTag(route.tag());
                requestOptions = route.options(options);
            }
            headers.forEach((name, values) -> {
                if (!"host".equalsIgnoreCase(name)) {
                    for (String v : values) {
                        rb.header(name.toLowerCase(Locale.ROOT), v);
                    }
                }
            });
            RequestBodyPipe pipe = streamed == null ? null : new RequestBodyPipe();
            if (bytes != null) {
                rb.body(dev.finch.Body.of(bytes));
            } else if (pipe != null) {
                rb.body(dev.finch.Body.of(pipe));
            }
            FinchClientHttpResponse response = new FinchClientHttpResponse(() -> {
                if (pipe != null) {
                    pipe.abort(new IOException("the request ended before its body was written"));
                }
            });
            AsyncRef ref = client.asyncRequest(rb.build(), response, requestOptions);
            response.started(client, ref);
            if (pipe != null) {
                try {
                    streamed.writeTo(pipe);
                    pipe.close(); // ends the body (the last chunk, END_STREAM): only once all of it was written
                } catch (IOException | RuntimeException e) {
                    // Read before aborting: the abort below fails the request too, with the writer's own exception.
                    IOException cause = response.failure();
                    // Never end a body Spring failed to write: Finch then discards the HTTP/1 connection without
                    // the last chunk (RFC 9112 7.1) and resets an HTTP/2 stream, so the server sees the truncation.
                    pipe.abort(
                            e instanceof IOException io
                                    ? io
                                    : new IOException("the request body writer failed: " + e, e));
                    response.close();
                    if (cause != null) {
                        // The request ended while Spring wrote its body: what ended it says more than the broken pipe.
                        throw cause;
                    }
                    throw e;
                }
            }
            try {
                response.awaitHead();
            } catch (IOException e) {
                response.close();
                throw e;
            }
            return response;
        }
    }
}

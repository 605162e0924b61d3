package dev.finch.sample;

import dev.finch.conn.ConnectOptions;
import dev.finch.conn.HttpConnection;
import dev.finch.conn.RequestBody;
import dev.finch.conn.RequestRef;
import dev.finch.conn.ResponsePart;
import dev.finch.conn.Scheme;
import dev.finch.http.HttpHeaders;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.env.Environment;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Shows Finch's connection layer on its own: one process-less HTTP/1.1 connection, owned by the request thread,
 * calling an upstream (this app's own {@code /upstream/hello} on loopback, so the sample needs no network).
 */
@RestController
class ConnectionDemoController {
    private final String upstreamHost;
    private final int configuredPort;
    private final Environment environment;

    ConnectionDemoController(
            @Value("${sample.upstream.host:127.0.0.1}") String upstreamHost,
            @Value("${sample.upstream.port:0}") int configuredPort,
            Environment environment) {
        this.upstreamHost = upstreamHost;
        this.configuredPort = configuredPort;
        this.environment = environment;
    }

    /** The configured upstream port, or this app's own port (known only once the server has started). */
    private int upstreamPort() {
        return configuredPort != 0
                ? configuredPort
                : environment.getRequiredProperty("local.server.port", Integer.class);
    }

    /** The upstream the demos call. */
    @GetMapping("/upstream/hello")
    String hello() {
        return "hello from the upstream";
    }

    /** Opens a connection, sends one GET, gathers the parts, and shows what came back. */
    @GetMapping("/demo/connection")
    Map<String, Object> connection() throws IOException {
        try (HttpConnection conn =
                HttpConnection.connect(Scheme.HTTP, upstreamHost, upstreamPort(), ConnectOptions.defaults())) {
            RequestRef ref = conn.request("GET", "/upstream/hello", HttpHeaders.EMPTY, RequestBody.none());
            Map<String, Object> result = new LinkedHashMap<>();
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            boolean done = false;
            while (!done) {
                for (ResponsePart part : conn.recv(Duration.ofSeconds(5))) {
                    if (part instanceof ResponsePart.Status s) {
                        result.put("status", s.code());
                    } else if (part instanceof ResponsePart.Headers h) {
                        result.put("content-type", h.headers().first("content-type"));
                    } else if (part instanceof ResponsePart.Data d) {
                        body.writeBytes(d.bytes());
                    } else if (part instanceof ResponsePart.Done) {
                        done = true;
                    } else if (part instanceof ResponsePart.Error e) {
                        throw e.error();
                    }
                }
            }
            result.put("body", body.toString(StandardCharsets.UTF_8));
            result.put("protocol", conn.protocol().alpnId());
            return result;
        }
    }
}

package dev.finch.sample;

import dev.finch.FinchClient;
import dev.finch.Request;
import dev.finch.Response;
import dev.finch.StreamPart;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * Calls the upstream through Finch three ways: a plain request on a chosen pool, a streamed response passed on piece
 * by piece, and a RestClient call (which Finch's request factory serves from the same pools).
 */
@RestController
class DemoController {
    @Autowired
    FinchClient finch;

    private final String upstream;
    private final RestClient restClient;

    DemoController(@Value("${sample.upstream-url}") String upstream, RestClient.Builder restClients) {
        this.upstream = upstream;
        this.restClient = restClients.baseUrl(upstream).build();
    }

    /**
     * One GET, whole response in memory. {@code pool}: {@code default} (the default pool configuration), {@code h1}
     * (the tagged HTTP/1 pool) or {@code h2} (the h2c pool).
     */
    @GetMapping("/demo/plain")
    Map<String, Object> plain(@RequestParam(defaultValue = "default") String pool) throws IOException {
        Request request = Request.builder("GET", upstream + "/upstream/hello")
                .poolTag(pool)
                .build();
        Response response = finch.request(request);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("pool", request.poolKey().toString());
        result.put("status", response.status());
        result.put("body", response.bodyText());
        return result;
    }

    /** Streams the upstream's lines through to the caller as they arrive, without holding the whole body. */
    @GetMapping("/demo/stream")
    ResponseEntity<StreamingResponseBody> stream(@RequestParam(defaultValue = "5") int lines) {
        StreamingResponseBody body =
                out -> finch.stream(Request.get(upstream + "/upstream/lines?count=" + lines), out, (part, o) -> {
                    if (part instanceof StreamPart.Data data) {
                        o.write(data.bytes());
                        o.flush();
                    }
                    return o;
                });
        return ResponseEntity.ok().contentType(MediaType.TEXT_PLAIN).body(body);
    }

    /** The same upstream call written with RestClient: Spring Boot's RestClient.Builder sends it through Finch. */
    @GetMapping("/demo/rest-client")
    Map<String, Object> restClient() {
        String text = restClient.get().uri("/upstream/hello").retrieve().body(String.class);
        return Map.of("body", text);
    }
}

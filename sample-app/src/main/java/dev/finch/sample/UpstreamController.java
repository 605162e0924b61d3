package dev.finch.sample;

import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/** The upstream the demos call: served by this app itself, on loopback. */
@RestController
class UpstreamController {
    /** A small text naming the protocol the request came over. */
    @GetMapping(value = "/upstream/hello", produces = MediaType.TEXT_PLAIN_VALUE)
    String hello(HttpServletRequest request) {
        return "hello from the upstream over " + request.getProtocol();
    }

    /** {@code count} numbered lines, flushed one by one: a response that arrives in pieces. */
    @GetMapping(value = "/upstream/lines")
    ResponseEntity<StreamingResponseBody> lines(@RequestParam(defaultValue = "5") int count) {
        StreamingResponseBody body = out -> {
            for (int i = 1; i <= count; i++) {
                out.write(("line " + i + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        };
        return ResponseEntity.ok().contentType(MediaType.TEXT_PLAIN).body(body);
    }
}

package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.http.TransportException;
import dev.finch.pool.Http1PoolMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.StreamingHttpOutputMessage;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/** RestClient, as Spring Boot builds it, sending through the FinchClient bean to the test app's own server. */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        classes = FinchRestClientIntegrationTest.App.class)
class FinchRestClientIntegrationTest {
    @LocalServerPort
    int port;

    @Autowired
    RestClient.Builder builder;

    @Autowired
    FinchClient finch;

    @Autowired
    MeterRegistry meters;

    private RestClient client() {
        return builder.baseUrl("http://127.0.0.1:" + port).build();
    }

    @Test
    void getGoesThroughTheFinchPoolForTheOrigin() {
        assertThat(client().get().uri("/hello").retrieve().body(String.class)).isEqualTo("hello");
        assertThat(finch.poolKeys()).contains(PoolKey.of("http://127.0.0.1:" + port));
    }

    @Test
    void smallBodiesAreSentWhole() {
        assertThat(client().post()
                        .uri("/count")
                        .contentType(MediaType.TEXT_PLAIN)
                        .body("twelve bytes")
                        .retrieve()
                        .body(String.class))
                .isEqualTo("12");
    }

    @Test
    void largeRequestBodiesStreamWithoutContentLength() {
        long size = 8L * 1024 * 1024;
        String counted = client().post()
                .uri("/count")
                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                .body(out -> {
                    byte[] chunk = new byte[64 * 1024];
                    Arrays.fill(chunk, (byte) 'x');
                    for (long sent = 0; sent < size; sent += chunk.length) {
                        out.write(chunk);
                    }
                })
                .retrieve()
                .body(String.class);
        assertThat(counted).isEqualTo(Long.toString(size));
    }

    @Test
    void responseBodiesStreamAndClosingEarlyCancelsTheRest() throws IOException {
        String firstLine = client().get().uri("/lines?count=100000").exchange((request, response) -> {
            InputStream in = response.getBody();
            StringBuilder line = new StringBuilder();
            int b;
            while ((b = in.read()) != '\n') {
                line.append((char) b);
            }
            return line.toString();
        });
        assertThat(firstLine).isEqualTo("line 1");
        // The connection of the cancelled response was closed, not returned half-read: no request is left in use.
        assertThat(finch.poolStatus(PoolKey.of("http://127.0.0.1:" + port)).orElseThrow())
                .allSatisfy(m ->
                        assertThat(((Http1PoolMetrics) m).inUseConnections()).isZero());
    }

    @Test
    void aStreamedUploadToAClosedPortFailsWithTheConnectError() {
        FinchClientHttpRequestFactory factory = new FinchClientHttpRequestFactoryBuilder(finch).build();
        assertThatThrownBy(() -> {
                    var request = factory.createRequest(URI.create("http://127.0.0.1:1/upload"), HttpMethod.POST);
                    ((StreamingHttpOutputMessage) request).setBody(out -> {
                        byte[] chunk = new byte[64 * 1024];
                        for (int i = 0; i < 64; i++) {
                            out.write(chunk);
                        }
                    });
                    request.execute();
                })
                .isInstanceOf(TransportException.class)
                .hasMessageContaining("127.0.0.1:1");
    }

    @Test
    void aRestClientCallIsTimedOnceByBootsRestClientObservation() {
        assertThat(client().get().uri("/observed/{id}", 7).retrieve().body(String.class))
                .isEqualTo("observed 7");

        assertThat(meters.get("http.client.requests")
                        .tag("uri", "/observed/{id}")
                        .timers())
                .singleElement()
                .satisfies(t -> assertThat(t.count()).isEqualTo(1));
        // Finch's own observation of direct calls (uri=none) left the factory's request alone.
        assertThat(meters.find("http.client.requests").tag("uri", "none").timers())
                .isEmpty();
    }

    @Test
    void followsRedirects() {
        assertThat(client().get().uri("/moved").retrieve().body(String.class)).isEqualTo("hello");
    }

    @Test
    void redirectsKeepCredentialsOnTheSameOriginOnly() {
        RestClient client = client();
        assertThat(client.get()
                        .uri("/to?location=/auth")
                        .header("authorization", "Bearer secret")
                        .retrieve()
                        .body(String.class))
                .isEqualTo("Bearer secret");
        // localhost is another origin than 127.0.0.1, though the same server answers both
        assertThat(client.get()
                        .uri("/to?location=http://localhost:" + port + "/auth")
                        .header("authorization", "Bearer secret")
                        .retrieve()
                        .body(String.class))
                .isEqualTo("none");
    }

    @Test
    void errorExceptionsCarryTheStandardReasonPhrase() {
        assertThatThrownBy(() -> client().get().uri("/missing").retrieve().toBodilessEntity())
                .isInstanceOfSatisfying(
                        org.springframework.web.client.HttpClientErrorException.class,
                        e -> assertThat(e.getStatusText()).isEqualTo("Not Found"));
    }

    @Test
    void errorStatusesReachRestClientsStatusHandlers() {
        assertThat(client().get()
                        .uri("/missing")
                        .retrieve()
                        .onStatus(s -> true, (req, res) -> {})
                        .toBodilessEntity()
                        .getStatusCode()
                        .value())
                .isEqualTo(404);
    }

    @SpringBootApplication
    @RestController
    static class App {
        @GetMapping("/hello")
        String hello() {
            return "hello";
        }

        @GetMapping("/observed/{id}")
        String observed(@PathVariable int id) {
            return "observed " + id;
        }

        @GetMapping("/auth")
        String auth(HttpServletRequest request) {
            String value = request.getHeader("authorization");
            return value == null ? "none" : value;
        }

        @GetMapping("/to")
        ResponseEntity<Void> to(@RequestParam String location) {
            return ResponseEntity.status(HttpStatus.FOUND)
                    .header("location", location)
                    .build();
        }

        @GetMapping("/moved")
        ResponseEntity<Void> moved() {
            return ResponseEntity.status(HttpStatus.FOUND)
                    .header("location", "/hello")
                    .build();
        }

        @PostMapping("/count")
        String count(HttpServletRequest request) throws IOException {
            return Long.toString(request.getInputStream().transferTo(OutputStream.nullOutputStream()));
        }

        @GetMapping("/lines")
        ResponseEntity<StreamingResponseBody> lines(@RequestParam int count) {
            return ResponseEntity.ok().contentType(MediaType.TEXT_PLAIN).body(out -> {
                for (int i = 1; i <= count; i++) {
                    out.write(("line " + i + "\n").getBytes(StandardCharsets.UTF_8));
                }
            });
        }
    }
}

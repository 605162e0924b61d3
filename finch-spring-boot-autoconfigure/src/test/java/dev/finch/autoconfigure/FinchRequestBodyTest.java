package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.testing.RawServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.imperative.ImperativeHttpClientAutoConfiguration;
import org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.web.client.RestClient;

/** Request bodies that RestClient streams through Finch, as the server receives them. */
class FinchRequestBodyTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    FinchAutoConfiguration.class,
                    FinchRestClientAutoConfiguration.class,
                    HttpClientAutoConfiguration.class,
                    ImperativeHttpClientAutoConfiguration.class,
                    RestClientAutoConfiguration.class));

    /**
     * A body writer (a message converter, say) that throws half-way: the caller gets its exception, and the chunked
     * body is never ended (RFC 9112 7.1: the last chunk says the content is complete), so the server cannot act on a
     * truncated request as if it were whole: the connection is closed instead.
     */
    @Test
    void aBodyWriterThatFailsHalfWayAbortsTheRequestWithoutEndingTheChunkedBody() throws Exception {
        BlockingQueue<String> outcome = new LinkedBlockingQueue<>();
        RawServer.Script script = conn -> {
            conn.readHead();
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            int b;
            while ((b = conn.in.read()) != -1) {
                seen.write(b);
                if (seen.toString(StandardCharsets.ISO_8859_1).endsWith("0\r\n\r\n")) {
                    outcome.add("complete: "
                            + seen.toString(StandardCharsets.ISO_8859_1).replace("\r\n", "|"));
                    conn.write("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
                    conn.out.flush();
                    return;
                }
            }
            outcome.add("aborted after "
                    + seen.toString(StandardCharsets.ISO_8859_1).replace("\r\n", "|"));
        };
        try (RawServer server = RawServer.start(script)) {
            String url = "http://127.0.0.1:" + server.port();
            runner.run(context -> {
                RestClient rest = context.getBean(RestClient.Builder.class).build();
                assertThatThrownBy(() -> rest.post()
                                .uri(url + "/upload")
                                .body(out -> {
                                    out.write("row 1\nrow 2\n".getBytes(StandardCharsets.UTF_8));
                                    out.flush();
                                    try {
                                        Thread.sleep(200); // the first rows are on the wire
                                    } catch (InterruptedException e) {
                                        Thread.currentThread().interrupt();
                                    }
                                    throw new IOException("the converter failed half-way");
                                })
                                .retrieve()
                                .toBodilessEntity())
                        .hasStackTraceContaining("the converter failed half-way");
                assertThat(outcome.poll(5, TimeUnit.SECONDS))
                        .as("what the server received of a body whose writer failed")
                        .isEqualTo("aborted after c|row 1\nrow 2\n|");
            });
        }
    }
}

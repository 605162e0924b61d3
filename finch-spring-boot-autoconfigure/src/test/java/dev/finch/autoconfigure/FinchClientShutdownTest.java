package dev.finch.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.finch.FinchClient;
import dev.finch.Request;
import dev.finch.Response;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Closing the context closes the client, and a request in flight at that moment still completes. */
class FinchClientShutdownTest {
    private final CountDownLatch requestArrived = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private HttpServer server;
    private String url;

    @BeforeEach
    void startSlowServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.createContext("/slow", exchange -> {
            requestArrived.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "done".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort() + "/slow";
    }

    @AfterEach
    void stopServer() {
        release.countDown();
        server.stop(0);
    }

    @Test
    void requestsInFlightFinishBeforeTheClientCloses() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(FinchAutoConfiguration.class))
                .withPropertyValues("finch.shutdown-timeout=20s")
                .run(context -> {
                    FinchClient client = context.getBean(FinchClient.class);
                    CompletableFuture<Response> inFlight = client.requestAsync(Request.get(url));
                    assertThat(requestArrived.await(10, TimeUnit.SECONDS)).isTrue();
                    CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
                    while (!client.isClosed()) {
                        Thread.onSpinWait();
                    }
                    // The client is closed to new calls, but close() waits while the server holds the response.
                    assertThat(closing).isNotDone();
                    release.countDown();
                    closing.get(20, TimeUnit.SECONDS);
                    assertThat(inFlight.get(1, TimeUnit.SECONDS).bodyText()).isEqualTo("done");
                    assertThat(client.isClosed()).isTrue();
                });
    }
}

package dev.finch.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import dev.finch.client.Await;
import dev.finch.client.Leaks;
import dev.finch.http.HttpProtocolException;
import dev.finch.testing.RawServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** Every HTTP/1 error path gives the connection's slot back and closes its socket (mint#415, #416, #501). */
class ErrorPathsTest {
    private final FinchClient client = FinchClient.builder()
            .defaultPool(PoolConfig.builder().size(2).startPoolMetrics(true).build())
            .build();
    private RawServer server;

    @AfterEach
    void stop() throws Exception {
        client.close();
        if (server != null) {
            server.close();
        }
    }

    private String url() {
        return "http://127.0.0.1:" + server.port() + "/";
    }

    private Http1PoolMetrics metrics() {
        return (Http1PoolMetrics)
                client.poolStatus(PoolKey.of(url())).orElseThrow().get(0);
    }

    @Test
    void malformedResponseClosesTheConnectionAndFreesItsSlot() throws Exception {
        server = RawServer.start(conn -> {
            conn.readHead();
            conn.write("HTTP/1.1 200 OK\r\ncontent-length: ten\r\n\r\n");
        });

        assertThatThrownBy(() -> client.request(Request.get(url())))
                .isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                        .isEqualTo(HttpProtocolException.Reason.INVALID_CONTENT_LENGTH));

        assertThat(server.awaitClientClose(Duration.ofSeconds(5))).isTrue();
        assertThat(metrics()).isEqualTo(new Http1PoolMetrics(1, 2, 2, 0, 0, 0));
    }

    @Test
    void truncatedBodyClosesTheConnectionAndFreesItsSlot() throws Exception {
        server = RawServer.start(conn -> {
            conn.readHead();
            conn.write("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhello");
            conn.socket.shutdownOutput();
        });

        assertThatThrownBy(() -> client.request(Request.get(url())))
                .isInstanceOfSatisfying(HttpProtocolException.class, e -> assertThat(e.reason())
                        .isEqualTo(HttpProtocolException.Reason.BODY_TRUNCATED));

        assertThat(server.awaitClientClose(Duration.ofSeconds(5))).isTrue();
        assertThat(metrics().inUseConnections()).isZero();
    }

    @Test
    void aBugInTheStreamFunctionReleasesTheConnection() throws Exception {
        server = RawServer.start(conn -> {
            conn.readHead();
            conn.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
        });

        assertThatThrownBy(() -> client.stream(Request.get(url()), 0, (part, acc) -> {
                    throw new IllegalStateException("bug");
                }))
                .isInstanceOf(IllegalStateException.class);

        assertThat(server.awaitClientClose(Duration.ofSeconds(5))).isTrue();
        assertThat(metrics().inUseConnections()).isZero();
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void manyFailedResponsesLeakNoDescriptor() throws Exception {
        server = RawServer.start(conn -> {
            conn.readHead();
            conn.write("HTTP/1.1 999 Nope\r\nbad header\r\n\r\n");
        });
        assertThatThrownBy(() -> client.request(Request.get(url()))).isInstanceOf(HttpProtocolException.class);
        long before = Leaks.openFileDescriptors();

        for (int i = 0; i < 50; i++) {
            assertThatThrownBy(() -> client.request(Request.get(url()))).isInstanceOf(HttpProtocolException.class);
        }

        // The raw server closes its side once it sees ours close: wait for the count to settle.
        Await.until(() -> Leaks.openFileDescriptors() <= before + 10, Duration.ofSeconds(10), "descriptors to settle");
        assertThat(metrics().inUseConnections()).isZero();
    }
}

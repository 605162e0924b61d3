package dev.finch.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.codec.http2.Settings;
import dev.finch.conn.ConnectOptions;
import dev.finch.conn.HttpConnection;
import dev.finch.conn.Protocol;
import dev.finch.conn.RequestBody;
import dev.finch.conn.RequestRef;
import dev.finch.conn.ResponsePart;
import dev.finch.conn.Scheme;
import dev.finch.http.HttpHeaders;
import dev.finch.testing.JettyServer;
import dev.finch.testing.RawServer;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** The connection-options example of docs/connection.md, run against real peers. */
class ConnectionOptionsExampleTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void http1SendsTheHeaderCaseAndTheRawTargetAsGiven() throws Exception {
        try (RawServer server = RawServer.start(c -> {
                    c.readHead();
                    c.write("HTTP/1.1 204 No Content\r\n\r\n");
                });
                HttpConnection conn = HttpConnection.connect(
                        Scheme.HTTP, "127.0.0.1", server.port(), ConnectionOptionsExample.options())) {
            assertThat(status(conn, conn.request("GET", "/a|b", HttpHeaders.of("X-Trace-Id", "7"), RequestBody.none())))
                    .isEqualTo(204);
            String head = server.takeRequest(WAIT);
            assertThat(head).startsWith("GET /a|b HTTP/1.1\r\n").contains("\r\nX-Trace-Id: 7\r\n");
        }
    }

    /**
     * Jetty acknowledges the example's SETTINGS (the connection reports them as in force only then) and follows them:
     * with our MAX_FRAME_SIZE of 64 KiB it sends DATA frames above the RFC's default 16 KiB, which without the
     * setting would be a FRAME_SIZE_ERROR.
     */
    @Test
    void http2SettingsAreAcknowledgedAndFollowedByARealServer() throws Exception {
        ConnectOptions h2c = ConnectionOptionsExample.options().toBuilder()
                .protocols(EnumSet.of(Protocol.HTTP2))
                .build();
        try (JettyServer server = JettyServer.h2c();
                HttpConnection conn = HttpConnection.connect(Scheme.HTTP, "127.0.0.1", server.port(), h2c)) {
            RequestRef ref = conn.request("GET", "/bytes/200000", HttpHeaders.EMPTY, RequestBody.none());
            int largestData = 0;
            int status = -1;
            long deadline = System.nanoTime() + WAIT.toNanos();
            boolean done = false;
            while (!done && System.nanoTime() - deadline < 0) {
                for (ResponsePart p : conn.recv(WAIT)) {
                    if (p instanceof ResponsePart.Status s && p.ref() == ref) {
                        status = s.code();
                    } else if (p instanceof ResponsePart.Data d && p.ref() == ref) {
                        largestData = Math.max(largestData, d.bytes().length);
                    } else if (p instanceof ResponsePart.Error e && p.ref() == ref) {
                        throw e.error();
                    } else if (p instanceof ResponsePart.Done && p.ref() == ref) {
                        done = true;
                    }
                }
            }

            assertThat(done).as("the response ended within %s", WAIT).isTrue();
            assertThat(status).isEqualTo(200);
            Settings inForce = conn.asHttp2().clientSettings();
            assertThat(inForce.maxHeaderListSize()).isEqualTo(64 * 1024);
            assertThat(inForce.initialWindowSize()).isEqualTo(1024 * 1024);
            assertThat(inForce.maxFrameSize()).isEqualTo(64 * 1024);
            assertThat(largestData).isGreaterThan(Settings.MIN_MAX_FRAME_SIZE);
        }
    }

    /** Reads parts until {@code ref} is done (each recv bounded by {@link #WAIT}); returns the final status. */
    private static int status(HttpConnection conn, RequestRef ref) throws IOException {
        int status = -1;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() - deadline < 0) {
            for (ResponsePart p : conn.recv(WAIT)) {
                if (p instanceof ResponsePart.Status s && p.ref() == ref) {
                    status = s.code();
                }
                if (p instanceof ResponsePart.Error e && p.ref() == ref) {
                    throw e.error();
                }
                if (p instanceof ResponsePart.Done && p.ref() == ref) {
                    return status;
                }
            }
        }
        throw new AssertionError("no response within " + WAIT);
    }
}

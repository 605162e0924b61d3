package dev.finch.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.Body;
import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import dev.finch.conn.Protocol;
import dev.finch.pool.Http1PoolMetrics;
import dev.finch.pool.Http2PoolMetrics;
import dev.finch.pool.PoolConfig;
import dev.finch.telemetry.FinchEvent;
import dev.finch.testing.JettyServer;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A streamed request body whose iterator, input stream or publisher throws after its first chunk: the request fails
 * with the user's exception, the body is released (stream closed, subscription cancelled), and only that request
 * pays: over HTTP/1 its connection is discarded, over HTTP/2 its stream is reset and the connection carries on.
 */
class FailingRequestBodyTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final Recorder events = new Recorder();
    private JettyServer server;
    private FinchClient client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void bodyThatThrowsOverHttp1FailsWithItsExceptionAndTheConnectionIsDiscarded(Kind kind) throws Exception {
        server = JettyServer.http();
        client = FinchClient.builder()
                .defaultPool(PoolConfig.builder().startPoolMetrics(true).build())
                .listener(events)
                .build();
        client.request(Request.get(server.baseUrl() + "/bytes/1")); // an idle connection the failure must not reuse
        FailingBody body = kind.create();

        assertThatThrownBy(() -> client.request(Request.post(server.baseUrl() + "/echo", body.body)))
                .isSameAs(body.bug);

        assertThat(body.released()).as("body released").isTrue();
        PoolKey key = PoolKey.of(server.baseUrl());
        assertThat(((Http1PoolMetrics) client.poolStatus(key).orElseThrow().get(0)).inUseConnections())
                .isZero();
        assertThat(client.request(Request.get(server.baseUrl() + "/bytes/1")).status())
                .isEqualTo(200);
        assertThat(events.of(FinchEvent.ConnectStart.class)).hasSize(2);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void bodyThatThrowsOverHttp2FailsWithItsExceptionAndOnlyItsStreamIsReset(Kind kind) throws Exception {
        server = JettyServer.h2c();
        client = FinchClient.builder()
                .defaultPool(PoolConfig.builder()
                        .protocols(Protocol.HTTP2)
                        .startPoolMetrics(true)
                        .build())
                .listener(events)
                .build();
        FailingBody body = kind.create();

        assertThatThrownBy(() -> client.request(Request.post(server.baseUrl() + "/echo", body.body)))
                .isSameAs(body.bug);

        assertThat(body.released()).as("body released").isTrue();
        PoolKey key = PoolKey.of(server.baseUrl());
        Await.until(
                () -> ((Http2PoolMetrics) client.poolStatus(key).orElseThrow().get(0)).inFlightRequests() == 0,
                WAIT,
                "the reset stream to leave the connection");
        assertThat(client.request(Request.get(server.baseUrl() + "/bytes/1")).status())
                .isEqualTo(200);
        assertThat(events.of(FinchEvent.ConnectStart.class)).hasSize(1);
    }

    /** A body that sends one chunk, then throws {@link #bug}; {@link #released} says whether Finch let go of it. */
    private static final class FailingBody {
        final IllegalStateException bug = new IllegalStateException("a bug in the request body");
        final AtomicInteger releases = new AtomicInteger();
        final boolean releasable;
        Body body;

        FailingBody(boolean releasable) {
            this.releasable = releasable;
        }

        /** Closed or cancelled; an iterator cannot be released, so it counts as released. */
        boolean released() {
            return !releasable || releases.get() > 0;
        }
    }

    enum Kind {
        ITERATOR {
            @Override
            FailingBody create() {
                FailingBody f = new FailingBody(false);
                f.body = Body.of(new Iterator<ByteBuffer>() {
                    private boolean sent;

                    @Override
                    public boolean hasNext() {
                        return true;
                    }

                    @Override
                    public ByteBuffer next() {
                        if (sent) {
                            throw f.bug;
                        }
                        sent = true;
                        return chunk();
                    }
                });
                return f;
            }
        },
        INPUT_STREAM {
            @Override
            FailingBody create() {
                FailingBody f = new FailingBody(true);
                f.body = Body.of(new InputStream() {
                    private boolean sent;

                    @Override
                    public int read() {
                        throw new UnsupportedOperationException();
                    }

                    @Override
                    public int read(byte[] b, int off, int len) {
                        if (sent) {
                            throw f.bug;
                        }
                        sent = true;
                        b[off] = 'x';
                        return 1;
                    }

                    @Override
                    public void close() {
                        f.releases.incrementAndGet();
                    }
                });
                return f;
            }
        },
        PUBLISHER {
            @Override
            FailingBody create() {
                FailingBody f = new FailingBody(true);
                Flow.Publisher<ByteBuffer> publisher = subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
                    private boolean sent;

                    @Override
                    public void request(long n) {
                        if (sent) {
                            throw f.bug;
                        }
                        sent = true;
                        subscriber.onNext(chunk());
                    }

                    @Override
                    public void cancel() {
                        f.releases.incrementAndGet();
                    }
                });
                f.body = Body.of(publisher);
                return f;
            }
        };

        abstract FailingBody create();

        static ByteBuffer chunk() {
            return ByteBuffer.wrap("x".getBytes(StandardCharsets.US_ASCII));
        }
    }
}

package dev.finch.bench.micro;

import dev.finch.codec.http1.Http1Decoder;
import dev.finch.codec.http1.Http1Limits;
import dev.finch.codec.http1.Http1ResponseHandler;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * HTTP/1.1 response decoding: one op decodes one whole response (as nginx sends a static file) on a keep-alive
 * decoder, fed in the 32 KiB reads the connection makes. Run with {@code -prof gc}: {@code gc.alloc.rate.norm} is
 * the bytes allocated per response. The handler only counts body bytes, so this is the codec's cost alone; the
 * connection's copy of each body piece into a {@code ResponsePart.Data} shows in the load comparison.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class Http1DecodeBenchmark {
    @Param({"100B", "1MiB"})
    public String body;

    @Param({"content-length", "chunked"})
    public String framing;

    private ByteBuffer[] reads;
    private Http1Decoder decoder;
    private CountingHandler handler;

    @Setup(Level.Trial)
    public void setUp(Blackhole bh) {
        reads = Fixtures.reads(Fixtures.http1Response(Fixtures.bodySize(body), framing.equals("chunked")));
        decoder = new Http1Decoder(Http1Limits.DEFAULTS);
        handler = new CountingHandler(bh);
    }

    @Benchmark
    public long decodeResponse() throws HttpProtocolException {
        Fixtures.rewind(reads);
        handler.bodyBytes = 0;
        handler.done = false;
        decoder.expectResponse("GET");
        for (ByteBuffer read : reads) {
            decoder.decode(read, handler);
        }
        if (!handler.done) {
            throw new IllegalStateException("response not complete");
        }
        return handler.bodyBytes;
    }

    /** Consumes what a connection would, without keeping it. */
    static final class CountingHandler implements Http1ResponseHandler {
        private final Blackhole bh;
        long bodyBytes;
        boolean done;

        CountingHandler(Blackhole bh) {
            this.bh = bh;
        }

        @Override
        public void status(int code) {
            bh.consume(code);
        }

        @Override
        public void headers(HttpHeaders headers) {
            bh.consume(headers);
        }

        @Override
        public void data(ByteBuffer data) {
            bodyBytes += data.remaining();
        }

        @Override
        public void trailers(HttpHeaders trailers) {
            bh.consume(trailers);
        }

        @Override
        public void done(boolean keepAlive) {
            done = keepAlive;
        }
    }
}

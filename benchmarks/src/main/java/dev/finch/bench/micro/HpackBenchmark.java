package dev.finch.bench.micro;

import dev.finch.codec.http2.ByteSink;
import dev.finch.codec.http2.Hpack;
import dev.finch.codec.http2.Http2ConnectionException;
import dev.finch.codec.http2.Http2StreamException;
import dev.finch.http.HttpHeaders;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * HPACK through Finch's {@link Hpack} (com.twitter.hpack underneath, plus Finch's bounds and RFC 9113 §8 field checks):
 * encoding a GET's request fields and decoding nginx's response fields, both in steady state (the dynamic table
 * already holds the fields from an earlier exchange, as on a busy connection).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class HpackBenchmark {
    private Hpack encoder;
    private HttpHeaders request;
    private ByteSink sink;

    private Hpack decoder;
    private ByteBuffer responseBlock;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        encoder = new Hpack();
        request = Fixtures.http2RequestHeaders("GET", "/100b");
        sink = new ByteSink(1024);
        encoder.encode(request, sink);

        // The peer's encoder after one response: the block our decoder sees from then on.
        Hpack peer = new Hpack();
        HttpHeaders response = Fixtures.http2ResponseHeaders(100);
        ByteSink first = new ByteSink();
        peer.encode(response, first);
        ByteSink second = new ByteSink();
        peer.encode(response, second);
        decoder = new Hpack();
        decoder.decode(1, first.buffer());
        responseBlock = ByteBuffer.wrap(second.toByteArray());
    }

    @Benchmark
    public int encodeRequestHeaders() {
        sink.clear();
        encoder.encode(request, sink);
        return sink.size();
    }

    @Benchmark
    public HttpHeaders decodeResponseHeaders() throws Http2ConnectionException, Http2StreamException {
        return decoder.decode(3, responseBlock.duplicate());
    }
}

package dev.finch.bench.micro;

import dev.finch.codec.http2.ByteSink;
import dev.finch.codec.http2.FrameEncoder;
import dev.finch.codec.http2.Hpack;
import dev.finch.codec.http2.Settings;
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

/**
 * HTTP/2 frame encoding without HPACK: one op writes one request's frames into a reused {@link ByteSink}: a HEADERS
 * frame for a GET, or HEADERS plus a 64 KiB body in 16 KiB DATA frames for a POST.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class Http2FrameEncodeBenchmark {
    @Param({"GET", "POST"})
    public String method;

    private ByteSink sink;
    private ByteBuffer headerBlock;
    private ByteBuffer postBody;

    @Setup(Level.Trial)
    public void setUp() {
        sink = new ByteSink(128 * 1024);
        ByteSink block = new ByteSink();
        new Hpack().encode(Fixtures.http2RequestHeaders(method, method.equals("GET") ? "/100b" : "/post"), block);
        headerBlock = ByteBuffer.wrap(block.toByteArray());
        postBody = ByteBuffer.wrap(Fixtures.body(65_536));
    }

    @Benchmark
    public int encodeRequest() {
        sink.clear();
        boolean post = method.equals("POST");
        FrameEncoder.headers(sink, 1, headerBlock, !post, Settings.MIN_MAX_FRAME_SIZE);
        if (post) {
            FrameEncoder.data(sink, 1, postBody, true, Settings.MIN_MAX_FRAME_SIZE);
        }
        return sink.size();
    }
}

package dev.finch.bench.micro;

import dev.finch.codec.http2.ErrorCode;
import dev.finch.codec.http2.Frame;
import dev.finch.codec.http2.FrameDecoder;
import dev.finch.codec.http2.FrameHandler;
import dev.finch.codec.http2.Http2StreamException;
import dev.finch.codec.http2.Settings;
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
 * HTTP/2 frame decoding without HPACK (see {@link HpackBenchmark}): one op decodes one response's frames, HEADERS plus
 * 16 KiB DATA frames, fed in 32 KiB reads, so that large frames straddle reads as they do on a socket.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class Http2FrameDecodeBenchmark {
    @Param({"100B", "1MiB"})
    public String body;

    private ByteBuffer[] reads;
    private FrameDecoder decoder;
    private CountingHandler handler;

    @Setup(Level.Trial)
    public void setUp(Blackhole bh) {
        reads = Fixtures.reads(Fixtures.http2Response(Fixtures.bodySize(body)));
        decoder = new FrameDecoder();
        handler = new CountingHandler(bh);
    }

    @Benchmark
    public long decodeResponse() throws HttpProtocolException {
        Fixtures.rewind(reads);
        handler.bodyBytes = 0;
        handler.ended = false;
        for (ByteBuffer read : reads) {
            decoder.decode(read, handler);
        }
        if (!handler.ended) {
            throw new IllegalStateException("stream not ended");
        }
        return handler.bodyBytes;
    }

    /** Counts body bytes and hands the header block to the blackhole; any other frame here is a fixture bug. */
    static final class CountingHandler implements FrameHandler {
        private final Blackhole bh;
        long bodyBytes;
        boolean ended;

        CountingHandler(Blackhole bh) {
            this.bh = bh;
        }

        @Override
        public void data(int streamId, boolean endStream, ByteBuffer data, int flowControlledLength) {
            bodyBytes += data.remaining();
            ended |= endStream;
        }

        @Override
        public void headers(int streamId, boolean endStream, Frame.PrioritySpec priority, ByteBuffer headerBlock) {
            bh.consume(headerBlock.remaining());
            ended |= endStream;
        }

        @Override
        public void priority(int streamId, Frame.PrioritySpec priority) {
            throw unexpected("PRIORITY");
        }

        @Override
        public void rstStream(int streamId, int errorCode) {
            throw unexpected("RST_STREAM " + ErrorCode.of(errorCode));
        }

        @Override
        public void settings(boolean ack, Settings settings) {
            throw unexpected("SETTINGS");
        }

        @Override
        public void pushPromise(int streamId, int promisedStreamId, ByteBuffer headerBlock) {
            throw unexpected("PUSH_PROMISE");
        }

        @Override
        public void ping(boolean ack, long payload) {
            throw unexpected("PING");
        }

        @Override
        public void goAway(int lastStreamId, int errorCode, ByteBuffer debugData) {
            throw unexpected("GOAWAY");
        }

        @Override
        public void windowUpdate(int streamId, int increment) {
            throw unexpected("WINDOW_UPDATE");
        }

        @Override
        public void streamError(Http2StreamException error) {
            throw new IllegalStateException(error);
        }

        private static IllegalStateException unexpected(String frame) {
            return new IllegalStateException("the fixture holds no " + frame + " frame");
        }
    }
}

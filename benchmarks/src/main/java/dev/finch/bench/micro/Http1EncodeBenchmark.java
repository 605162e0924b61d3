package dev.finch.bench.micro;

import dev.finch.codec.http1.Http1Encoder;
import dev.finch.codec.http1.Http1Encoder.BodyShape;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * HTTP/1.1 request encoding: validation and the bytes of one request head, as the connection sends for the load
 * comparison's GET and 64 KiB POST (the body itself is written as given, never copied).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class Http1EncodeBenchmark {
    @Param({"GET", "POST"})
    public String method;

    private final HttpHeaders getHeaders = HttpHeaders.of("accept", "*/*");
    private final HttpHeaders postHeaders = HttpHeaders.of("accept", "*/*", "content-type", "application/octet-stream");

    @Benchmark
    public Http1Encoder.EncodedHead encodeHead() throws HttpProtocolException {
        if (method.equals("GET")) {
            return Http1Encoder.encodeHead(
                    "GET", "/100b", getHeaders, "127.0.0.1:18080", BodyShape.NONE, Http1Encoder.Options.DEFAULTS);
        }
        return Http1Encoder.encodeHead(
                "POST",
                "/post",
                postHeaders,
                "127.0.0.1:18080",
                BodyShape.known(65_536),
                Http1Encoder.Options.DEFAULTS);
    }
}

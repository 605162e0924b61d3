package dev.finch.bench.micro;

import dev.finch.codec.http2.ByteSink;
import dev.finch.codec.http2.FrameEncoder;
import dev.finch.codec.http2.Hpack;
import dev.finch.http.HttpHeaders;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The bytes the micro-benchmarks decode: the responses nginx sends in the load comparison (same header fields, same
 * bodies), framed with content-length or chunked, and split into the 32 KiB reads the HTTP/1 connection makes.
 */
final class Fixtures {
    /** What Http1Connection reads per call: the decoder sees its input in pieces of this size. */
    static final int READ_SIZE = 32 * 1024;
    /** Chunk size for chunked bodies (a typical proxy buffer). */
    static final int CHUNK_SIZE = 16 * 1024;

    static final int SMALL = 100;
    static final int LARGE = 1024 * 1024;

    private Fixtures() {}

    /** The body sizes by parameter name. */
    static int bodySize(String name) {
        return switch (name) {
            case "100B" -> SMALL;
            case "1MiB" -> LARGE;
            default -> throw new IllegalArgumentException(name);
        };
    }

    static byte[] body(int size) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) 'x');
        return b;
    }

    /** An HTTP/1.1 response as nginx 1.22 sends a static file, with content-length or chunked framing. */
    static byte[] http1Response(int bodySize, boolean chunked) {
        StringBuilder head = new StringBuilder()
                .append("HTTP/1.1 200 OK\r\n")
                .append("Server: nginx/1.22.1\r\n")
                .append("Date: Fri, 21 Nov 2025 18:00:00 GMT\r\n")
                .append("Content-Type: application/octet-stream\r\n");
        if (chunked) {
            head.append("Transfer-Encoding: chunked\r\n");
        } else {
            head.append("Content-Length: ").append(bodySize).append("\r\n");
        }
        head.append("Last-Modified: Fri, 21 Nov 2025 17:00:00 GMT\r\n")
                .append("Connection: keep-alive\r\n")
                .append("ETag: \"6920a3b0-")
                .append(Integer.toHexString(bodySize))
                .append("\"\r\n")
                .append("Accept-Ranges: bytes\r\n")
                .append("\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream(bodySize + 1024);
        out.writeBytes(head.toString().getBytes(StandardCharsets.US_ASCII));
        byte[] body = body(bodySize);
        if (!chunked) {
            out.writeBytes(body);
        } else {
            for (int at = 0; at < bodySize; at += CHUNK_SIZE) {
                int n = Math.min(CHUNK_SIZE, bodySize - at);
                out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body, at, n);
                out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        return out.toByteArray();
    }

    /** The response header fields nginx sends over HTTP/2 for a static file. */
    static HttpHeaders http2ResponseHeaders(int bodySize) {
        return HttpHeaders.of(
                ":status", "200",
                "server", "nginx/1.22.1",
                "date", "Fri, 21 Nov 2025 18:00:00 GMT",
                "content-type", "application/octet-stream",
                "content-length", Integer.toString(bodySize),
                "last-modified", "Fri, 21 Nov 2025 17:00:00 GMT",
                "etag", "\"6920a3b0-" + Integer.toHexString(bodySize) + "\"",
                "accept-ranges", "bytes");
    }

    /** The request header fields a client sends for a GET over HTTP/2. */
    static HttpHeaders http2RequestHeaders(String method, String path) {
        return HttpHeaders.of(
                ":method", method,
                ":scheme", "http",
                ":authority", "127.0.0.1:18081",
                ":path", path,
                "user-agent", "finch-java/0.1",
                "accept", "*/*");
    }

    /**
     * An HTTP/2 response on stream 1: HEADERS (HPACK-encoded as a peer's encoder would after one earlier response,
     * so mostly indexed) and the body in DATA frames of 16 KiB, END_STREAM on the last.
     */
    static byte[] http2Response(int bodySize) {
        Hpack peer = new Hpack();
        ByteSink block = new ByteSink();
        peer.encode(http2ResponseHeaders(bodySize), block); // the first response fills the dynamic table
        block.clear();
        peer.encode(http2ResponseHeaders(bodySize), block);
        ByteSink out = new ByteSink(bodySize + 4096);
        FrameEncoder.headers(out, 1, block.buffer(), false, 16_384);
        FrameEncoder.data(out, 1, ByteBuffer.wrap(body(bodySize)), true, 16_384);
        return out.toByteArray();
    }

    /** {@code bytes} as the read buffers a connection would hand the decoder, {@link #READ_SIZE} each. */
    static ByteBuffer[] reads(byte[] bytes) {
        List<ByteBuffer> reads = new ArrayList<>();
        for (int at = 0; at < bytes.length; at += READ_SIZE) {
            int n = Math.min(READ_SIZE, bytes.length - at);
            ByteBuffer b = ByteBuffer.allocateDirect(n); // the connection reads into a direct buffer
            b.put(bytes, at, n).flip();
            reads.add(b);
        }
        return reads.toArray(new ByteBuffer[0]);
    }

    /** Rewinds each read buffer so it can be decoded again. */
    static void rewind(ByteBuffer[] reads) {
        for (ByteBuffer b : reads) {
            b.position(0);
        }
    }
}

package dev.finch.docs;

import dev.finch.codec.http2.ReceiveWindow;
import dev.finch.conn.ConnectOptions;
import dev.finch.conn.Http2Connection;
import dev.finch.conn.Http2Options;
import dev.finch.conn.HttpConnection;
import dev.finch.conn.Protocol;
import dev.finch.conn.RequestBody;
import dev.finch.conn.RequestRef;
import dev.finch.conn.ResponsePart;
import dev.finch.conn.Scheme;
import dev.finch.http.HttpHeaders;
import dev.finch.transport.TlsOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The HTTP/2 examples of docs/connection.md. */
final class Http2Examples {
    private Http2Examples() {}

    /** Connects offering h2 and http/1.1 over TLS; returns what ALPN chose. */
    static Protocol negotiate(String host, int port, TlsOptions tls) throws IOException {
        // tag::h2-connect[]
        ConnectOptions options = ConnectOptions.builder()
                .tls(tls)
                .protocols(EnumSet.of(Protocol.HTTP1, Protocol.HTTP2)) // ALPN offers h2 first
                .build();
        try (HttpConnection conn = HttpConnection.connect(Scheme.HTTPS, host, port, options)) {
            if (conn.protocol() == Protocol.HTTP2) {
                Http2Connection h2 = conn.asHttp2(); // the operations only HTTP/2 has
                RequestRef ping = h2.ping();
                while (!conn.recv(Duration.ofSeconds(5)).contains(new ResponsePart.Pong(ping))) {
                    // other parts would be handled here
                }
            }
            return conn.protocol();
        }
        // end::h2-connect[]
    }

    /** Fetches every path on one h2c connection, never more at once than the server allows; returns the bodies. */
    static Map<String, byte[]> fetchAll(String host, int port, List<String> paths) throws IOException {
        // tag::h2-multiplex[]
        ConnectOptions h2c = ConnectOptions.builder()
                .protocols(EnumSet.of(Protocol.HTTP2)) // over http: h2c with prior knowledge
                .build();
        Map<String, byte[]> bodies = new HashMap<>();
        try (HttpConnection conn = HttpConnection.connect(Scheme.HTTP, host, port, h2c)) {
            Http2Connection h2 = conn.asHttp2();
            ArrayDeque<String> waiting = new ArrayDeque<>(paths);
            Map<RequestRef, String> pathOf = new HashMap<>();
            Map<RequestRef, ByteArrayOutputStream> received = new HashMap<>();
            while (bodies.size() < paths.size()) {
                // Beyond the server's MAX_CONCURRENT_STREAMS, request() would throw TOO_MANY_CONCURRENT_REQUESTS.
                while (!waiting.isEmpty()
                        && conn.openRequestCount() < h2.serverSettings().maxConcurrentStreams()) {
                    String path = waiting.poll();
                    RequestRef ref = conn.request("GET", path, HttpHeaders.EMPTY, RequestBody.none());
                    pathOf.put(ref, path);
                    received.put(ref, new ByteArrayOutputStream());
                }
                for (ResponsePart part : conn.recv(Duration.ofSeconds(15))) {
                    if (part instanceof ResponsePart.Data d) {
                        received.get(d.ref()).writeBytes(d.bytes());
                    } else if (part instanceof ResponsePart.Done) {
                        bodies.put(
                                pathOf.get(part.ref()),
                                received.remove(part.ref()).toByteArray());
                    } else if (part instanceof ResponsePart.Error e) {
                        throw e.error(); // e.isRetrySafe(): the server never processed it
                    }
                }
            }
        }
        return bodies;
        // end::h2-multiplex[]
    }

    /** Uploads a stream of unknown length without queueing more than the flow-control windows allow. */
    static String upload(HttpConnection conn, String path, InputStream source) throws IOException {
        // tag::h2-upload[]
        RequestRef ref = conn.request("POST", path, HttpHeaders.EMPTY, RequestBody.streaming());
        byte[] buffer = new byte[64 * 1024];
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        boolean sourceDone = false;
        while (!sourceDone) {
            long window = conn.requestBodyWindow(ref); // HTTP/1: unbounded
            if (window == 0) {
                // recv returns when the server grants more window (or parts arrive)
                for (ResponsePart part : conn.recv(Duration.ofSeconds(15))) {
                    if (part instanceof ResponsePart.Data d) {
                        answer.writeBytes(d.bytes());
                    }
                }
                continue;
            }
            int n = source.read(buffer, 0, (int) Math.min(window, buffer.length));
            if (n < 0) {
                sourceDone = true;
            } else {
                conn.streamRequestBody(ref, ByteBuffer.wrap(buffer, 0, n)); // sent now, nothing queued
            }
        }
        conn.endRequestBody(ref, HttpHeaders.EMPTY);
        // end::h2-upload[]
        boolean done = false;
        while (!done) {
            for (ResponsePart part : conn.recv(Duration.ofSeconds(15))) {
                if (part instanceof ResponsePart.Data d) {
                    answer.writeBytes(d.bytes());
                } else if (part instanceof ResponsePart.Error e) {
                    throw e.error();
                }
                done |= part instanceof ResponsePart.Done;
            }
        }
        return answer.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Downloads with back-pressure: the server may send only as much as this consumer has taken. */
    static long download(String host, int port, String path) throws IOException {
        // tag::h2-consume[]
        ConnectOptions options = ConnectOptions.builder()
                .protocols(EnumSet.of(Protocol.HTTP2))
                .http2(Http2Options.builder()
                        .receiveWindowRelease(ReceiveWindow.Release.ON_CONSUME) // credit only what was consumed
                        .build())
                .build();
        long total = 0;
        try (HttpConnection conn = HttpConnection.connect(Scheme.HTTP, host, port, options)) {
            Http2Connection h2 = conn.asHttp2();
            RequestRef ref = conn.request("GET", path, HttpHeaders.EMPTY, RequestBody.none());
            boolean done = false;
            while (!done) {
                for (ResponsePart part : conn.recv(Duration.ofSeconds(15))) {
                    if (part instanceof ResponsePart.Data d) {
                        total += d.bytes().length; // ... hand the bytes to a slow consumer, then:
                        h2.consumed(ref, d.bytes().length); // WINDOW_UPDATE once a batch is owed
                    } else if (part instanceof ResponsePart.Error e) {
                        throw e.error();
                    }
                    done |= part instanceof ResponsePart.Done;
                }
            }
        }
        return total;
        // end::h2-consume[]
    }
}

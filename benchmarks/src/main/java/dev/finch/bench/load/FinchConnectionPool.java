package dev.finch.bench.load;

import dev.finch.conn.ConnectOptions;
import dev.finch.conn.HttpConnection;
import dev.finch.conn.RequestBody;
import dev.finch.conn.ResponsePart;
import dev.finch.conn.Scheme;
import dev.finch.http.HttpHeaders;
import dev.finch.http.TransportException;
import java.io.IOException;
import java.net.URI;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Finch's connection layer with the simplest fair pool on top: passive HTTP/1.1 {@link HttpConnection}s parked in a
 * LIFO deque, claimed by the calling thread for one request and parked again. With N workers it settles at N
 * connections, one per worker. This is not {@code FinchClient}; it shows what the connection layer costs on its own.
 */
final class FinchConnectionPool implements BenchClient {
    private static final HttpHeaders GET_HEADERS = HttpHeaders.EMPTY;
    private static final HttpHeaders POST_HEADERS = HttpHeaders.of("content-type", "application/octet-stream");

    private final String host;
    private final int port;
    private final ConnectOptions options;
    private final ConcurrentLinkedDeque<HttpConnection> idle = new ConcurrentLinkedDeque<>();

    FinchConnectionPool(URI base) {
        this.host = base.getHost();
        this.port = base.getPort();
        this.options = ConnectOptions.builder()
                .connectTimeout(Timeouts.CONNECT)
                .sendTimeout(Timeouts.RESPONSE)
                .build();
    }

    @Override
    public long get(String path) throws IOException, BadStatus {
        return exchange("GET", path, GET_HEADERS, RequestBody.none());
    }

    @Override
    public long post(String path, byte[] body) throws IOException, BadStatus {
        return exchange("POST", path, POST_HEADERS, RequestBody.of(body));
    }

    private long exchange(String method, String path, HttpHeaders headers, RequestBody body)
            throws IOException, BadStatus {
        HttpConnection conn = idle.pollFirst();
        if (conn != null) {
            conn.transferOwnership(Thread.currentThread());
        } else {
            conn = HttpConnection.connect(Scheme.HTTP, host, port, options);
        }
        try {
            conn.request(method, path, headers, body);
        } catch (TransportException e) {
            conn.close();
            if (!e.requestNotSent()) {
                throw e;
            }
            // The server closed the idle connection and nothing was sent, so any method may be retried.
            conn = HttpConnection.connect(Scheme.HTTP, host, port, options);
            try {
                conn.request(method, path, headers, body);
            } catch (IOException | RuntimeException retryFailure) {
                conn.close();
                throw retryFailure;
            }
        }
        boolean reusable = false;
        try {
            long bodyBytes = 0;
            int status = 0;
            while (true) {
                for (ResponsePart part : conn.recv(Timeouts.RESPONSE)) {
                    if (part instanceof ResponsePart.Data d) {
                        bodyBytes += d.bytes().length;
                    } else if (part instanceof ResponsePart.Status s) {
                        status = s.code();
                    } else if (part instanceof ResponsePart.Done) {
                        reusable = conn.isOpen();
                        if (status != 200) {
                            throw new BadStatus(status);
                        }
                        return bodyBytes;
                    } else if (part instanceof ResponsePart.Error e) {
                        throw e.error();
                    }
                }
            }
        } finally {
            if (reusable) {
                conn.transferOwnership(null);
                idle.offerFirst(conn);
            } else {
                conn.close();
            }
        }
    }

    @Override
    public void close() {
        HttpConnection conn;
        while ((conn = idle.pollFirst()) != null) {
            conn.transferOwnership(Thread.currentThread());
            conn.close();
        }
    }
}

package dev.finch.bench.load;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.Okio;

/**
 * OkHttp 5, synchronous calls on the worker threads. HTTP/1.1 pins the protocol list to HTTP_1_1; h2c uses
 * H2_PRIOR_KNOWLEDGE (one multiplexed connection; OkHttp opens another only when the server's stream limit is
 * reached). The connection pool keeps as many idle connections as there are workers.
 *
 * <p>OkHttp leaves Nagle's algorithm on (it sets no TCP_NODELAY), while every other client here turns it off; with
 * Nagle, a request written in two pieces waits for the server's delayed ACK (~40 ms on Linux). A socket factory
 * sets TCP_NODELAY, as an OkHttp user tuning for latency would.
 */
final class OkHttpBench implements BenchClient {
    private static final MediaType OCTETS = MediaType.get("application/octet-stream");

    private final OkHttpClient client;
    private final String base;

    OkHttpBench(URI base, Protocol protocol, int concurrency) {
        this.base = base.toString();
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(Math.max(64, concurrency));
        dispatcher.setMaxRequestsPerHost(Math.max(5, concurrency));
        this.client = new OkHttpClient.Builder()
                .protocols(
                        protocol == Protocol.H2C
                                ? List.of(okhttp3.Protocol.H2_PRIOR_KNOWLEDGE)
                                : List.of(okhttp3.Protocol.HTTP_1_1))
                .connectionPool(new ConnectionPool(Math.max(5, concurrency), 5, TimeUnit.MINUTES))
                .dispatcher(dispatcher)
                .connectTimeout(Timeouts.CONNECT)
                .readTimeout(Timeouts.RESPONSE)
                .writeTimeout(Timeouts.RESPONSE)
                .socketFactory(new NoDelaySocketFactory())
                .build();
    }

    @Override
    public long get(String path) throws Exception {
        return execute(new Request.Builder().url(base + path).build());
    }

    @Override
    public long post(String path, byte[] body) throws Exception {
        return execute(new Request.Builder()
                .url(base + path)
                .post(RequestBody.create(body, OCTETS))
                .build());
    }

    private long execute(Request request) throws Exception {
        try (Response response = client.newCall(request).execute()) {
            long n = response.body().source().readAll(Okio.blackhole());
            if (response.code() != 200) {
                throw new BadStatus(response.code());
            }
            return n;
        }
    }

    /** The default socket factory, with TCP_NODELAY on every socket. */
    private static final class NoDelaySocketFactory extends SocketFactory {
        private final SocketFactory delegate = SocketFactory.getDefault();

        @Override
        public Socket createSocket() throws IOException {
            return noDelay(delegate.createSocket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return noDelay(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return noDelay(delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return noDelay(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return noDelay(delegate.createSocket(address, port, localAddress, localPort));
        }

        private static Socket noDelay(Socket socket) throws IOException {
            socket.setTcpNoDelay(true);
            return socket;
        }
    }

    @Override
    public void close() {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }
}

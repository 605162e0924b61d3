package dev.finch.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A real Jetty 12 server for integration tests, listening on {@code 127.0.0.1} with an ephemeral port (or on a Unix
 * domain socket in a fresh temporary directory). Close it with try-with-resources.
 *
 * <pre>{@code
 * try (JettyServer server = JettyServer.https()) {           // TLS, HTTP/1.1, TestRoutes
 *     Transport t = Transports.tcp("127.0.0.1", server.port(), false, deadline);
 *     ...
 * }
 * try (JettyServer server = JettyServer.builder()
 *         .tls(TestCertificates.get().issue("other.example"))
 *         .tlsProtocols("TLSv1.2")
 *         .http2()                                             // ALPN: h2 and http/1.1
 *         .handler((request, response, callback) -> { ...; return true; })
 *         .start()) { ... }
 * }</pre>
 *
 * <p>Variants: plain HTTP/1.1 ({@link #http()}), HTTP/1.1 over TLS ({@link #https()}), HTTP/1.1 plus h2c with prior
 * knowledge ({@link #h2c()}), TLS with ALPN offering h2 and http/1.1 ({@link #h2()}), and HTTP/1.1 over a Unix
 * domain socket, plain ({@link #unix()}) or TLS ({@link #unixTls()}). Without a handler the server answers with
 * {@link TestRoutes}. TLS servers present {@link TestCertificates#localhost()} unless told otherwise, and do not
 * check that the Host header matches the SNI name.
 *
 * <p>Jetty's own threads (daemon, named {@code jetty-test-*}) serve the requests; handlers may block.
 */
public final class JettyServer implements AutoCloseable {
    /** The address TCP servers listen on. */
    public static final String HOST = "127.0.0.1";
    /** The IPv6 loopback address, for {@link Builder#ipv6Loopback()}. */
    public static final String HOST_IPV6 = "::1";

    private final Server server;
    private final NetworkConnector tcpConnector;
    private final UnixDomainServerConnector unixConnector;
    private final Path socketDir;
    private final boolean tls;
    private final String host;

    private JettyServer(Builder b) {
        this.tls = b.credential != null;
        this.host = b.ipv6 ? HOST_IPV6 : HOST;
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("jetty-test");
        threads.setDaemon(true);
        server = new Server(threads);
        ConnectionFactory[] factories = connectionFactories(b);
        if (b.unix) {
            try {
                socketDir = Files.createTempDirectory("finch-uds");
            } catch (IOException e) {
                throw new IllegalStateException("cannot create a directory for the Unix socket", e);
            }
            unixConnector = new UnixDomainServerConnector(server, factories);
            unixConnector.setUnixDomainPath(socketDir.resolve("jetty.sock"));
            tcpConnector = null;
            server.addConnector(unixConnector);
        } else {
            ServerConnector connector = new ServerConnector(server, factories);
            connector.setHost(host);
            connector.setPort(0);
            tcpConnector = connector;
            unixConnector = null;
            socketDir = null;
            server.addConnector(connector);
        }
        Request.Handler h = b.handler == null ? new TestRoutes() : b.handler;
        server.setHandler(h instanceof Handler handler ? handler : new Adapter(h));
        try {
            server.start();
        } catch (Exception e) {
            close();
            throw new IllegalStateException("cannot start Jetty", e);
        }
    }

    /** Whether this host can listen on the IPv6 loopback address {@code ::1} (tests needing it skip otherwise). */
    public static boolean hasIpv6Loopback() {
        try (ServerSocketChannel s =
                ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getByName(HOST_IPV6), 0))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A builder: plain HTTP/1.1 on TCP with {@link TestRoutes} unless told otherwise. */
    public static Builder builder() {
        return new Builder();
    }

    /** HTTP/1.1 over TCP, answering with {@link TestRoutes}. */
    public static JettyServer http() {
        return builder().start();
    }

    /** HTTP/1.1 over TCP, answering with {@code handler}. */
    public static JettyServer http(Request.Handler handler) {
        return builder().handler(handler).start();
    }

    /** HTTP/1.1 over TLS ({@link TestCertificates#localhost()}), no ALPN, answering with {@link TestRoutes}. */
    public static JettyServer https() {
        return builder().tls().start();
    }

    /** HTTP/1.1 over TLS ({@link TestCertificates#localhost()}), no ALPN, answering with {@code handler}. */
    public static JettyServer https(Request.Handler handler) {
        return builder().tls().handler(handler).start();
    }

    /** HTTP/1.1 and h2c with prior knowledge (the connection preface selects HTTP/2) over TCP. */
    public static JettyServer h2c() {
        return builder().http2().start();
    }

    /** TLS with ALPN choosing h2 or http/1.1 (http/1.1 when the client offers no ALPN). */
    public static JettyServer h2() {
        return builder().tls().http2().start();
    }

    /** HTTP/1.1 over a Unix domain socket (see {@link #socketPath()}). */
    public static JettyServer unix() {
        return builder().unixSocket().start();
    }

    /** HTTP/1.1 over TLS over a Unix domain socket. */
    public static JettyServer unixTls() {
        return builder().unixSocket().tls().start();
    }

    /** The TCP port. */
    public int port() {
        if (tcpConnector == null) {
            throw new IllegalStateException("this server listens on a Unix socket: use socketPath()");
        }
        return tcpConnector.getLocalPort();
    }

    /** The Unix socket's path. */
    public Path socketPath() {
        if (unixConnector == null) {
            throw new IllegalStateException("this server listens on TCP: use port()");
        }
        return unixConnector.getUnixDomainPath();
    }

    /** Whether the server speaks TLS. */
    public boolean isTls() {
        return tls;
    }

    /**
     * {@code http://127.0.0.1:port} or {@code https://127.0.0.1:port} ({@code [::1]} with {@link
     * Builder#ipv6Loopback()}; TCP servers only).
     */
    public String baseUrl() {
        return (tls ? "https://" : "http://") + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port();
    }

    /** The loopback address the server listens on: {@link #HOST} or {@link #HOST_IPV6}. */
    public String host() {
        return host;
    }

    /** The Jetty server, for what this class does not cover. */
    public Server server() {
        return server;
    }

    /** Stops the server and removes the Unix socket's directory. */
    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop Jetty", e);
        } finally {
            if (socketDir != null) {
                try {
                    Files.deleteIfExists(socketDir.resolve("jetty.sock"));
                    Files.deleteIfExists(socketDir);
                } catch (IOException ignored) {
                    // A temporary directory: the OS cleans it up eventually.
                }
            }
        }
    }

    @Override
    public String toString() {
        return "JettyServer[" + (unixConnector != null ? socketPath() : baseUrl()) + "]";
    }

    private static ConnectionFactory[] connectionFactories(Builder b) {
        HttpConfiguration config = new HttpConfiguration();
        config.setSendServerVersion(false);
        HttpConnectionFactory http1 = new HttpConnectionFactory(config);
        List<ConnectionFactory> factories = new ArrayList<>();
        if (b.credential == null) {
            factories.add(http1);
            if (b.http2) {
                factories.add(new HTTP2CServerConnectionFactory(config));
            }
            return factories.toArray(new ConnectionFactory[0]);
        }
        config.addCustomizer(new SecureRequestCustomizer(false));
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStore(b.credential.keyStore());
        ssl.setKeyStorePassword(TestCertificates.PASSWORD);
        if (b.tlsProtocols != null) {
            ssl.setIncludeProtocols(b.tlsProtocols);
        }
        if (b.clientAuth) {
            ssl.setNeedClientAuth(true);
            ssl.setTrustStore(TestCertificates.get().trustStore());
        }
        if (b.http2) {
            ssl.setCipherComparator(HTTP2Cipher.COMPARATOR);
            ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory();
            alpn.setDefaultProtocol(http1.getProtocol());
            factories.add(new SslConnectionFactory(ssl, alpn.getProtocol()));
            factories.add(alpn);
            factories.add(new HTTP2ServerConnectionFactory(config));
        } else {
            factories.add(new SslConnectionFactory(ssl, http1.getProtocol()));
        }
        factories.add(http1);
        return factories.toArray(new ConnectionFactory[0]);
    }

    /** Configures and starts a {@link JettyServer}. */
    public static final class Builder {
        private Request.Handler handler;
        private TestCertificates.Credential credential;
        private String[] tlsProtocols;
        private boolean http2;
        private boolean unix;
        private boolean clientAuth;
        private boolean ipv6;

        private Builder() {}

        /**
         * Listens on the IPv6 loopback address {@code ::1} only, instead of {@code 127.0.0.1}.
         *
         * @throws IllegalStateException from {@link #start()} if the host has no {@code ::1}
         */
        public Builder ipv6Loopback() {
            this.ipv6 = true;
            return this;
        }

        /**
         * Answers with {@code handler} instead of {@link TestRoutes}: a Jetty {@code Handler}, or a lambda
         * {@code (request, response, callback) -> { ...; return true; }} that must complete the callback.
         */
        public Builder handler(Request.Handler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** Speaks TLS with {@link TestCertificates#localhost()}. */
        public Builder tls() {
            return tls(TestCertificates.get().localhost());
        }

        /** Speaks TLS presenting {@code credential} (e.g. {@link TestCertificates#expired()}). */
        public Builder tls(TestCertificates.Credential credential) {
            this.credential = Objects.requireNonNull(credential, "credential");
            return this;
        }

        /** Restricts the TLS versions, e.g. {@code "TLSv1.2"} (default: Jetty's, TLS 1.2 and 1.3). */
        public Builder tlsProtocols(String... protocols) {
            this.tlsProtocols = protocols.clone();
            return this;
        }

        /** Requires a client certificate signed by the {@link TestCertificates} CA (TLS only). */
        public Builder requireClientCertificate() {
            this.clientAuth = true;
            return this;
        }

        /** Adds HTTP/2: h2 through ALPN with TLS, h2c with prior knowledge without. HTTP/1.1 stays available. */
        public Builder http2() {
            this.http2 = true;
            return this;
        }

        /** Listens on a Unix domain socket in a new temporary directory instead of TCP. */
        public Builder unixSocket() {
            this.unix = true;
            return this;
        }

        /**
         * Starts the server.
         *
         * @throws IllegalStateException if Jetty does not start
         */
        public JettyServer start() {
            if (clientAuth && credential == null) {
                throw new IllegalStateException("a client certificate needs TLS: call tls()");
            }
            return new JettyServer(this);
        }
    }

    /** Lets a lambda serve as the server's handler. */
    private static final class Adapter extends Handler.Abstract {
        private final Request.Handler delegate;

        Adapter(Request.Handler delegate) {
            this.delegate = delegate;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            return delegate.handle(request, response, callback);
        }
    }
}

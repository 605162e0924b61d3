package dev.finch.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A small HTTP proxy written for the tests, on 127.0.0.1: it opens CONNECT tunnels (answering {@code 200 Connection
 * established} with an {@code x-test-proxy} header, then relaying bytes both ways) and forwards absolute-form
 * requests to http origins (rewriting the request line to origin-form; request bodies need a content-length). Every
 * request head it reads is recorded. Scripted misbehaviour: require a {@code proxy-authorization} value (407
 * otherwise), answer CONNECT with canned bytes (a 403, garbage, half a head), or stall without answering. With {@link
 * Builder#tls()} it is an https proxy, its certificate issued for {@code localhost} by {@link TestCertificates}.
 *
 * <p>Test code: one thread accepts and each connection gets threads of its own; {@link #close()} closes every socket
 * and waits for them. After a scripted answer the proxy holds the socket open until the client closes it, so that
 * {@link #awaitClientClose} proves the client released it.
 */
public final class TestProxy implements AutoCloseable {
    /** The header the proxy adds to its 2xx answer to CONNECT. */
    public static final String ANSWER_HEADER = "x-test-proxy";

    private static final int MAX_HEAD = 64 * 1024;

    /** A request head the proxy read: its request line and its header lines (as sent). */
    public record Head(String requestLine, List<String> headerLines) {
        /** The value of the first header named {@code name} (ignoring case), or null. */
        public String header(String name) {
            for (String line : headerLines) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    private final Builder config;
    private final ServerSocket server;
    private final Thread acceptor;
    private final BlockingQueue<Head> heads = new LinkedBlockingQueue<>();
    private final BlockingQueue<Boolean> clientCloses = new LinkedBlockingQueue<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile boolean closing;

    private TestProxy(Builder b) throws IOException {
        this.config = b;
        if (b.tls) {
            try {
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(TestCertificates.get().localhost().keyStore(), TestCertificates.PASSWORD.toCharArray());
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(kmf.getKeyManagers(), null, null);
                server = ctx.getServerSocketFactory().createServerSocket();
            } catch (java.security.GeneralSecurityException e) {
                throw new IOException("cannot set up TLS for the test proxy", e);
            }
        } else {
            server = new ServerSocket();
        }
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        acceptor = new Thread(this::accept, "test-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A plain proxy that tunnels and forwards, with no authentication. */
    public static TestProxy start() throws IOException {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Client connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** The next request head the proxy read, or null if none within the timeout. */
    public Head takeRequest(Duration timeout) throws InterruptedException {
        return heads.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Request heads read and not yet taken. */
    public List<Head> drainRequests() {
        List<Head> out = new ArrayList<>();
        heads.drainTo(out);
        return out;
    }

    /**
     * After a scripted answer (407, canned bytes, stall): waits until the client closes that socket; true if it did
     * within the timeout.
     */
    public boolean awaitClientClose(Duration timeout) throws InterruptedException {
        Boolean closed = clientCloses.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return closed != null && closed;
    }

    /** Unexpected failures inside the proxy (the test is probably wrong if there are any). */
    public List<Throwable> errors() {
        return errors;
    }

    private void accept() {
        while (!closing) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (!closing) {
                    errors.add(e);
                }
                return;
            }
            connections.incrementAndGet();
            sockets.add(s);
            spawn("test-proxy-conn-" + s.getPort(), () -> handle(s));
        }
    }

    private void spawn(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private void handle(Socket client) {
        try {
            client.setSoTimeout(30_000);
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            Head head = readHead(in);
            if (head == null) {
                return;
            }
            heads.add(head);
            if (config.proxyAuthorization != null
                    && !config.proxyAuthorization.equals(head.header("proxy-authorization"))) {
                out.write(("HTTP/1.1 407 Proxy Authentication Required\r\n"
                                + "Proxy-Authenticate: Basic realm=\"finch-test\"\r\n"
                                + "Content-Length: 12\r\n\r\nlog in first")
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                clientCloses.add(RawServer.waitForEof(client));
                return;
            }
            String[] parts = head.requestLine().split(" ");
            if (parts[0].equals("CONNECT")) {
                if (config.stall) {
                    clientCloses.add(RawServer.waitForEof(client));
                } else if (config.connectAnswer != null) {
                    try {
                        out.write(config.connectAnswer.getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                    } catch (IOException e) {
                        clientCloses.add(true); // the client gave up in the middle of a long answer: it closed
                        return;
                    }
                    if (config.closeAfterAnswer) {
                        client.close();
                    } else {
                        clientCloses.add(RawServer.waitForEof(client));
                    }
                } else {
                    tunnel(client, parts[1]);
                }
            } else {
                forward(client, head);
            }
        } catch (javax.net.ssl.SSLHandshakeException e) {
            // a client that rejects the proxy's certificate: a scenario, not a fault of the proxy
        } catch (IOException e) {
            if (!closing && !client.isClosed()) { // the other direction may close it when the origin goes
                errors.add(e);
            }
        } finally {
            closeQuietly(client);
        }
    }

    private void tunnel(Socket client, String authority) throws IOException {
        int colon = authority.lastIndexOf(':');
        String host = authority.substring(0, colon).replace("[", "").replace("]", "");
        Socket upstream = new Socket(host, Integer.parseInt(authority.substring(colon + 1)));
        sockets.add(upstream);
        client.getOutputStream()
                .write(("HTTP/1.1 200 Connection established\r\n" + ANSWER_HEADER + ": tunnel\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
        client.getOutputStream().flush();
        relay(upstream, client);
    }

    /**
     * Forwards requests from {@code client} to the origin the first absolute-form target names, over one upstream
     * connection: request heads are read, recorded and rewritten to origin-form; responses are relayed as bytes.
     */
    private void forward(Socket client, Head first) throws IOException {
        URI uri = URI.create(first.requestLine().split(" ")[1]);
        if (uri.getScheme() == null || uri.getHost() == null) {
            client.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes());
            return;
        }
        Socket upstream = new Socket(uri.getHost(), uri.getPort() == -1 ? 80 : uri.getPort());
        sockets.add(upstream);
        spawn("test-proxy-down-" + client.getPort(), () -> pump(upstream, client));
        InputStream in = client.getInputStream();
        OutputStream up = upstream.getOutputStream();
        Head head = first;
        while (head != null) {
            String[] parts = head.requestLine().split(" ");
            URI target = URI.create(parts[1]);
            String path = target.getRawPath() == null || target.getRawPath().isEmpty() ? "/" : target.getRawPath();
            if (target.getRawQuery() != null) {
                path += "?" + target.getRawQuery();
            }
            StringBuilder rewritten = new StringBuilder(parts[0] + " " + path + " " + parts[2] + "\r\n");
            long length = 0;
            for (String line : head.headerLines()) {
                String lower = line.toLowerCase(Locale.ROOT);
                if (lower.startsWith("proxy-")) {
                    continue; // hop-by-hop for the proxy (RFC 9110 §11.7.1)
                }
                if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(line.substring(15).trim());
                }
                rewritten.append(line).append("\r\n");
            }
            up.write(rewritten.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            up.write(in.readNBytes((int) length));
            up.flush();
            head = readHead(in);
            if (head != null) {
                heads.add(head);
            }
        }
        closeQuietly(upstream);
    }

    private void relay(Socket upstream, Socket client) {
        spawn("test-proxy-up-" + client.getPort(), () -> pump(client, upstream));
        pump(upstream, client);
    }

    /** Copies bytes from {@code from} to {@code to} until either closes; then closes both. */
    private void pump(Socket from, Socket to) {
        byte[] buf = new byte[16 * 1024];
        try {
            from.setSoTimeout(0);
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side went away: the tunnel ends
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    /** Reads a request head; null if the client closed before sending one. */
    private static Head readHead(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b;
            try {
                b = in.read();
            } catch (SocketTimeoutException e) {
                return null;
            }
            if (b < 0) {
                if (buf.size() == 0) {
                    return null;
                }
                throw new IOException("client closed inside a request head");
            }
            if (buf.size() >= MAX_HEAD) {
                throw new IOException("request head too large");
            }
            buf.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String[] lines = buf.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        List<String> fields = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            if (!lines[i].isEmpty()) {
                fields.add(lines[i]);
            }
        }
        return new Head(lines[0], List.copyOf(fields));
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() throws InterruptedException {
        closing = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        acceptor.join(5_000);
        for (Thread t : threads) {
            t.join(5_000);
        }
    }

    /** Configures and starts a {@link TestProxy}. */
    public static final class Builder {
        private boolean tls;
        private String proxyAuthorization;
        private String connectAnswer;
        private boolean closeAfterAnswer;
        private boolean stall;

        private Builder() {}

        /** An https proxy: clients reach it over TLS (certificate for localhost, 127.0.0.1, ::1). */
        public Builder tls() {
            this.tls = true;
            return this;
        }

        /** Answers 407 (with {@code proxy-authenticate}) unless the request carries these Basic credentials. */
        public Builder requireBasicAuth(String user, String password) {
            this.proxyAuthorization = "Basic "
                    + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            return this;
        }

        /** Answers every CONNECT with these bytes instead of tunnelling, then waits for the client to close. */
        public Builder answerConnect(String raw) {
            this.connectAnswer = raw;
            return this;
        }

        /** Answers every CONNECT with these bytes, then closes the connection. */
        public Builder answerConnectAndClose(String raw) {
            this.connectAnswer = raw;
            this.closeAfterAnswer = true;
            return this;
        }

        /** Reads each CONNECT and never answers; waits for the client to close. */
        public Builder stall() {
            this.stall = true;
            return this;
        }

        public TestProxy start() throws IOException {
            return new TestProxy(this);
        }
    }
}

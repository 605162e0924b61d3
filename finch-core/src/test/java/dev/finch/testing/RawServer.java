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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A scripted raw-socket server on 127.0.0.1 for hostile and malformed input: each accepted connection runs the
 * script, which reads and writes exact bytes. After the script returns, the server keeps the socket open and watches
 * for the client to close it, so tests can assert that a client released its socket.
 *
 * <p>Test code: one platform thread accepts, and each connection runs on a thread of its own; {@link #close()}
 * closes every socket and waits for those threads.
 */
public final class RawServer implements AutoCloseable {
    /** What the server does with one connection. */
    @FunctionalInterface
    public interface Script {
        void run(Conn conn) throws Exception;
    }

    /** One accepted connection, with helpers for reading request heads. */
    public static final class Conn {
        public final Socket socket;
        public final InputStream in;
        public final OutputStream out;
        private final BlockingQueue<String> heads;

        Conn(Socket socket, BlockingQueue<String> heads) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
            this.heads = heads;
        }

        /** Reads a request head up to and including the empty line; returns it as ISO-8859-1 text. */
        public String readHead() throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("client closed while sending a request head: " + head);
                }
                head.write(b);
                matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            String text = head.toString(StandardCharsets.ISO_8859_1);
            heads.add(text);
            return text;
        }

        /** Reads exactly {@code n} bytes. */
        public byte[] readBytes(int n) throws IOException {
            return in.readNBytes(n);
        }

        /** Writes ISO-8859-1 text and flushes. */
        public void write(String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        /** Writes bytes and flushes. */
        public void write(byte[] b) throws IOException {
            out.write(b);
            out.flush();
        }
    }

    private final ServerSocket server;
    private final Script script;
    private final Thread thread;
    private final BlockingQueue<String> requests = new LinkedBlockingQueue<>();
    private final BlockingQueue<Boolean> clientCloses = new LinkedBlockingQueue<>();
    private final CopyOnWriteArrayList<Throwable> scriptErrors = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<Socket> sockets = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<Thread> handlers = new CopyOnWriteArrayList<>();
    private volatile boolean closing;

    private RawServer(Script script) throws IOException {
        this.server = new ServerSocket();
        this.server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.script = script;
        this.thread = new Thread(this::serve, "raw-server-" + server.getLocalPort());
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Starts a server that runs {@code script} for every connection. */
    public static RawServer start(Script script) throws IOException {
        return new RawServer(script);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Request heads read with {@link Conn#readHead()}, in order; null if none within the timeout. */
    public String takeRequest(Duration timeout) throws InterruptedException {
        return requests.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Waits until the client closes the socket of a finished connection (the next one to do so); returns true if it
     * did within the timeout. The server holds its side open, so only the client can cause this.
     */
    public boolean awaitClientClose(Duration timeout) throws InterruptedException {
        Boolean closed = clientCloses.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return closed != null && closed;
    }

    /** Exceptions the scripts threw (a failing script usually means the test is wrong). */
    public java.util.List<Throwable> scriptErrors() {
        return scriptErrors;
    }

    private void serve() {
        while (!closing) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (!closing) {
                    scriptErrors.add(e);
                }
                return;
            }
            sockets.add(s);
            Thread handler = new Thread(() -> handle(s), "raw-server-conn-" + s.getPort());
            handler.setDaemon(true);
            handlers.add(handler);
            handler.start();
        }
    }

    private void handle(Socket s) {
        try (s) {
            try {
                script.run(new Conn(s, requests));
            } catch (Exception e) {
                if (!closing) {
                    scriptErrors.add(e);
                }
            }
            clientCloses.add(waitForEof(s));
        } catch (IOException e) {
            if (!closing) {
                scriptErrors.add(e);
            }
        }
    }

    /** Reads (and discards) until the client closes; false on timeout, true also if the socket is reset. */
    static boolean waitForEof(Socket s) {
        try {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            byte[] sink = new byte[8192];
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                if (in.read(sink) < 0) {
                    return true;
                }
            }
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            // A reset also means the client's socket is gone.
            return true;
        }
    }

    @Override
    public void close() throws Exception {
        closing = true;
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
        thread.join(5_000);
        for (Thread t : handlers) {
            t.join(5_000);
        }
    }
}

package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.http.TransportException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/** Blocking helpers over a {@link Transport} for tests: a request out, everything up to end of stream back. */
final class Io {
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    private Io() {}

    static long deadline() {
        return Transports.deadline(TIMEOUT);
    }

    /**
     * Connects to {@code full} (bound with a backlog of 1) until its accept queue is full, so that Linux drops
     * further SYNs and a connect to it hangs until its deadline. The connections go to {@code fillers}; the caller
     * closes them.
     *
     * @return whether the queue filled
     */
    static boolean fillAcceptQueue(ServerSocketChannel full, List<SocketChannel> fillers) throws IOException {
        try (Selector selector = Selector.open()) {
            for (int i = 0; i < 16; i++) { // bounded: the queue holds a couple of connections
                SocketChannel c = SocketChannel.open();
                fillers.add(c);
                c.configureBlocking(false);
                if (!c.connect(full.getLocalAddress())) {
                    SelectionKey key = c.register(selector, SelectionKey.OP_CONNECT);
                    boolean dropped = selector.select(200) == 0;
                    selector.selectedKeys().clear();
                    key.cancel();
                    selector.selectNow();
                    if (dropped) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    static void write(Transport t, String text) throws IOException {
        t.writeFully(new ByteBuffer[] {ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1))}, deadline());
    }

    /** Sends a GET with {@code Connection: close} and returns the whole response (head and body). */
    static Response get(Transport t, String host, String path) throws IOException {
        write(t, "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
        return Response.parse(readToEnd(t, 16 * 1024));
    }

    /** Reads until end of stream, waiting with {@link Transport#awaitReadable}; fails the test after the timeout. */
    static byte[] readToEnd(Transport t, int bufferSize) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(bufferSize);
        long deadline = deadline();
        // Bounded by the deadline.
        while (System.nanoTime() - deadline < 0) {
            buf.clear();
            int n = t.read(buf);
            if (n < 0) {
                return out.toByteArray();
            }
            out.write(buf.array(), 0, n);
            if (n == 0 && !t.hasBufferedInput()) {
                t.awaitReadable(deadline - System.nanoTime());
            }
        }
        throw new AssertionError("no end of stream within " + TIMEOUT + " after " + out.size() + " bytes");
    }

    /** Reads until {@code marker} has been seen (bytes after it in the same read are kept in the result). */
    static String readUntil(Transport t, String marker) throws IOException {
        StringBuilder sb = new StringBuilder();
        ByteBuffer buf = ByteBuffer.allocate(1);
        long deadline = deadline();
        // One byte at a time, so that nothing after the marker is consumed. Bounded by the deadline.
        while (sb.indexOf(marker) < 0) {
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("no " + marker + " within " + TIMEOUT + ": " + sb);
            }
            buf.clear();
            int n = t.read(buf);
            if (n < 0) {
                throw new AssertionError("end of stream before " + marker + ": " + sb);
            }
            if (n == 0) {
                t.awaitReadable(deadline - System.nanoTime());
            } else {
                sb.append((char) (buf.get(0) & 0xff));
            }
        }
        return sb.toString();
    }

    static String sha256Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static TransportException.Reason reasonOf(Throwable e) {
        assertThat(e).isInstanceOf(TransportException.class);
        return ((TransportException) e).reason();
    }

    /** An HTTP/1.1 response read to end of stream; the body is whatever followed the head. */
    record Response(String head, byte[] body) {
        static Response parse(byte[] raw) {
            String all = new String(raw, StandardCharsets.ISO_8859_1);
            int end = all.indexOf("\r\n\r\n");
            assertThat(end)
                    .as("end of head in %s", all.substring(0, Math.min(200, all.length())))
                    .isGreaterThan(0);
            return new Response(all.substring(0, end + 2), Arrays.copyOfRange(raw, end + 4, raw.length));
        }

        int status() {
            return Integer.parseInt(head.substring(9, 12));
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }
}

package dev.finch.transport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * Sends a body to {@code /echo} and reads the echo at the same time, the way an owner in active mode does: the
 * transport's channel registered with the test's own selector, non-blocking {@code write}/{@code read}, waiting
 * for OP_WRITE only while bytes are pending. Writing everything before reading would deadlock: the server stops
 * reading while its echo is not read.
 */
final class NonBlockingEcho {
    private NonBlockingEcho() {}

    /** What came back, and how many writes took less than was offered. */
    record Result(byte[] body, int partialWrites) {}

    static Result run(Transport t, String host, byte[] body) throws IOException {
        String head = "POST /echo HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: " + body.length + "\r\n\r\n";
        ByteBuffer[] srcs = {ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)), ByteBuffer.wrap(body)};
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(32 * 1024);
        int partialWrites = 0;
        int bodyStart = -1;
        long expected = -1;
        long deadline = Io.deadline();
        try (Selector selector = Selector.open()) {
            SelectionKey key = t.channel().register(selector, 0);
            // Bounded by the deadline.
            while (System.nanoTime() - deadline < 0) {
                boolean progress = false;
                if (Buffers.hasRemaining(srcs)) {
                    long offered = srcs[0].remaining() + srcs[1].remaining();
                    long n = t.write(srcs);
                    progress = n > 0;
                    if (n < offered) {
                        partialWrites++;
                    }
                } else if (t.hasPendingWrites()) {
                    progress = t.flush();
                }
                buf.clear();
                int n = t.read(buf);
                if (n < 0) {
                    throw new AssertionError("end of stream after " + received.size() + " bytes");
                }
                if (n > 0) {
                    progress = true;
                    received.write(buf.array(), 0, n);
                }
                if (bodyStart < 0) {
                    String text = received.toString(StandardCharsets.ISO_8859_1);
                    int end = text.indexOf("\r\n\r\n");
                    if (end >= 0) {
                        bodyStart = end + 4;
                        expected = contentLength(text.substring(0, end));
                    }
                }
                if (bodyStart >= 0 && received.size() - bodyStart >= expected) {
                    byte[] all = received.toByteArray();
                    return new Result(Arrays.copyOfRange(all, bodyStart, all.length), partialWrites);
                }
                if (!progress && !t.hasBufferedInput()) {
                    boolean writing = Buffers.hasRemaining(srcs) || t.hasPendingWrites();
                    key.interestOps(SelectionKey.OP_READ | (writing ? SelectionKey.OP_WRITE : 0));
                    selector.select(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                    selector.selectedKeys().clear();
                }
            }
            throw new AssertionError("echo incomplete after " + Io.TIMEOUT + ": " + received.size() + " bytes");
        }
    }

    private static long contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return Long.parseLong(line.substring(15).trim());
            }
        }
        throw new AssertionError("no content-length in " + head);
    }
}

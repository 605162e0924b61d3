package dev.finch.autoconfigure;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Carries a request body from the thread Spring writes it on (an {@link OutputStream}) to the thread Finch sends it
 * from (an {@link Iterator} of chunks), a few chunks at a time: the writer blocks while {@link #MAX_CHUNKS} chunks
 * wait, so a large body is never held in memory.
 *
 * <p>Only {@link #close()} ends the body. {@link #abort} fails it instead: the sending side throws (an
 * {@link UncheckedIOException} from {@link #hasNext()}) rather than taking what was left, and Finch, as for any body
 * iterator that throws, discards the HTTP/1 connection without the last chunk or resets the HTTP/2 stream.
 */
final class RequestBodyPipe extends OutputStream implements Iterator<ByteBuffer> {
    static final int CHUNK = 16 * 1024;
    static final int MAX_CHUNKS = 4;
    private static final ByteBuffer END = ByteBuffer.allocate(0);

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<ByteBuffer> chunks = new ArrayDeque<>();
    private byte[] current = new byte[CHUNK];
    private int filled;
    private boolean closed;
    private IOException aborted;
    private ByteBuffer next;

    // ---- writer side ------------------------------------------------------------------------------------------------

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int n = Math.min(len, CHUNK - filled);
            System.arraycopy(b, off, current, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == CHUNK) {
                push();
            }
        }
    }

    @Override
    public void flush() throws IOException {
        if (filled > 0) {
            push();
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        flush();
        offer(END);
        closed = true;
    }

    private void push() throws IOException {
        offer(ByteBuffer.wrap(current, 0, filled));
        current = new byte[CHUNK];
        filled = 0;
    }

    private void offer(ByteBuffer chunk) throws IOException {
        lock.lock();
        try {
            while (chunks.size() >= MAX_CHUNKS && aborted == null) {
                changed.await();
            }
            if (aborted != null) {
                throw aborted;
            }
            chunks.add(chunk);
            changed.signalAll();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing the request body");
        } finally {
            lock.unlock();
        }
    }

    /**
     * Fails the pipe, from either side (the request ended, or Spring's body writer failed): a blocked or later writer
     * gets {@code cause}, and the sending side gets it (unchecked) instead of the chunks still waiting.
     */
    void abort(IOException cause) {
        lock.lock();
        try {
            if (aborted == null) {
                aborted = cause;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    // ---- reader side (Finch's sending thread) -----------------------------------------------------------------------

    @Override
    public boolean hasNext() {
        if (next != null) {
            return next != END;
        }
        lock.lock();
        try {
            while (chunks.isEmpty() && aborted == null) {
                changed.await();
            }
            if (aborted != null) {
                chunks.clear(); // what the writer pushed before it failed is not sent: the body is abandoned
                throw new UncheckedIOException(aborted);
            }
            next = chunks.poll();
            changed.signalAll();
            return next != END;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new InterruptedIOException("interrupted while reading the request body"));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public ByteBuffer next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        ByteBuffer b = next;
        next = null;
        return b;
    }
}

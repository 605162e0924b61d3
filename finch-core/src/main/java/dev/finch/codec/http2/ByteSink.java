package dev.finch.codec.http2;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A growable byte buffer that frames and HPACK blocks are written into: the output of {@link FrameEncoder} and
 * {@link Hpack#encode}. It is an {@link OutputStream} so the HPACK encoder can write to it directly; none of its
 * methods throws {@code IOException}.
 *
 * <p>The owner (a connection) typically appends frames, hands {@link #buffer()} to the transport, then {@link
 * #clear()}s it for reuse. Not thread-safe.
 */
public final class ByteSink extends OutputStream {
    private byte[] bytes;
    private int size;

    /** An empty sink with a small initial capacity. */
    public ByteSink() {
        this(256);
    }

    /** An empty sink that holds {@code initialCapacity} bytes before it grows. */
    public ByteSink(int initialCapacity) {
        if (initialCapacity < 0) {
            throw new IllegalArgumentException("capacity " + initialCapacity);
        }
        bytes = new byte[initialCapacity];
    }

    /** Appends one byte (the low 8 bits of {@code b}). */
    @Override
    public void write(int b) {
        ensure(1);
        bytes[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        ensure(len);
        System.arraycopy(b, off, bytes, size, len);
        size += len;
    }

    /** Appends the remaining bytes of {@code src} without moving its position. */
    public void write(ByteBuffer src) {
        int len = src.remaining();
        ensure(len);
        src.get(src.position(), bytes, size, len);
        size += len;
    }

    /** Appends {@code len} bytes of {@code src} from absolute index {@code index}; positions are not touched. */
    public void write(ByteBuffer src, int index, int len) {
        ensure(len);
        src.get(index, bytes, size, len);
        size += len;
    }

    /** Appends a big-endian 16-bit value. */
    public void writeShort(int v) {
        ensure(2);
        bytes[size++] = (byte) (v >>> 8);
        bytes[size++] = (byte) v;
    }

    /** Appends a big-endian 24-bit value (a frame length). */
    public void writeMedium(int v) {
        ensure(3);
        bytes[size++] = (byte) (v >>> 16);
        bytes[size++] = (byte) (v >>> 8);
        bytes[size++] = (byte) v;
    }

    /** Appends a big-endian 32-bit value. */
    public void writeInt(int v) {
        ensure(4);
        bytes[size++] = (byte) (v >>> 24);
        bytes[size++] = (byte) (v >>> 16);
        bytes[size++] = (byte) (v >>> 8);
        bytes[size++] = (byte) v;
    }

    /** Appends a big-endian 64-bit value. */
    public void writeLong(long v) {
        writeInt((int) (v >>> 32));
        writeInt((int) v);
    }

    /** Appends {@code count} zero bytes (padding). */
    public void writeZeros(int count) {
        ensure(count);
        Arrays.fill(bytes, size, size + count, (byte) 0);
        size += count;
    }

    /** The number of bytes written since the last {@link #clear()}. */
    public int size() {
        return size;
    }

    /** Forgets the content, keeping the memory. */
    public void clear() {
        size = 0;
    }

    /**
     * The content as a read-only buffer over this sink's memory (no copy), valid until the next write or {@link
     * #clear()}.
     */
    public ByteBuffer buffer() {
        return ByteBuffer.wrap(bytes, 0, size).asReadOnlyBuffer();
    }

    /** A copy of the content. */
    public byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }

    private void ensure(int more) {
        int needed = size + more;
        if (needed < 0) {
            throw new OutOfMemoryError("ByteSink larger than 2 GiB");
        }
        if (needed > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(needed, Math.max(16, bytes.length * 2)));
        }
    }
}

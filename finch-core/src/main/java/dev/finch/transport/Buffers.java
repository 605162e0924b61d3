package dev.finch.transport;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/** Small allocation-free helpers shared by the transports. */
final class Buffers {
    private Buffers() {}

    /** Whether any of {@code srcs} has bytes left. */
    static boolean hasRemaining(ByteBuffer[] srcs) {
        for (ByteBuffer b : srcs) {
            if (b.hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    /** Copies as much of {@code src} into {@code dst} as fits; returns the count. */
    static int copy(ByteBuffer src, ByteBuffer dst) {
        int n = Math.min(src.remaining(), dst.remaining());
        if (n == src.remaining()) {
            dst.put(src);
        } else {
            int limit = src.limit();
            src.limit(src.position() + n);
            dst.put(src);
            src.limit(limit);
        }
        return n;
    }

    /**
     * Returns {@code buffer} if it can hold {@code capacity} bytes, otherwise a larger copy of it. Both are in read
     * mode (pending bytes between position and limit).
     */
    static ByteBuffer ensureCapacity(ByteBuffer buffer, int capacity) {
        if (buffer.capacity() >= capacity) {
            return buffer;
        }
        ByteBuffer bigger = ByteBuffer.allocate(capacity);
        bigger.put(buffer);
        bigger.flip();
        return bigger;
    }

    /** Closes without throwing; for cleanup paths that already report a more useful error. */
    static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException | RuntimeException ignored) {
            // Best effort: the resource is unusable either way.
        }
    }
}

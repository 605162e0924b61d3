package dev.finch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Iterator;

/**
 * Pulls the chunks of a streamed {@link Body} on the sending thread. A chunk is valid until the next call (the
 * input-stream source reuses its buffer), so the sender must have written it before asking again.
 */
abstract class BodySource {
    /** What {@link #next} returns when a {@link Body.Producer} halts. */
    static final ByteBuffer HALT = ByteBuffer.allocate(0);

    private static final int INPUT_CHUNK = 16 * 1024;

    /**
     * The next chunk, {@code null} at the end, or {@link #HALT}.
     *
     * @param deadlineNanos when to give up waiting for a publisher ({@link System#nanoTime()} based)
     */
    abstract ByteBuffer next(long deadlineNanos) throws IOException;

    /** Releases the source early (the request failed): cancels a subscription, closes a stream. */
    void close() {}

    /** The source for a streamed body, or {@code null} for none or bytes. */
    static BodySource of(Body body, Receiver receiver) {
        if (body instanceof Body.Chunks c) {
            return new ChunkSource(c.chunks());
        }
        if (body instanceof Body.Input i) {
            return new InputSource(i.in());
        }
        if (body instanceof Body.Published p) {
            return new PublisherSource(p.publisher());
        }
        if (body instanceof Body.Produced p) {
            return new ProducerSource(p.producer(), receiver);
        }
        return null;
    }

    private static final class ChunkSource extends BodySource {
        private final Iterator<? extends ByteBuffer> chunks;

        ChunkSource(Iterator<? extends ByteBuffer> chunks) {
            this.chunks = chunks;
        }

        @Override
        ByteBuffer next(long deadlineNanos) {
            while (chunks.hasNext()) {
                ByteBuffer b = chunks.next();
                if (b == null) {
                    throw new NullPointerException("a body iterator returned a null chunk");
                }
                if (b.hasRemaining()) {
                    return b;
                }
            }
            return null;
        }
    }

    private static final class InputSource extends BodySource {
        private final InputStream in;
        private byte[] buffer;
        private boolean closed;

        InputSource(InputStream in) {
            this.in = in;
        }

        @Override
        ByteBuffer next(long deadlineNanos) throws IOException {
            if (buffer == null) {
                buffer = new byte[INPUT_CHUNK];
            }
            int n = in.read(buffer);
            while (n == 0) {
                n = in.read(buffer);
            }
            if (n < 0) {
                close();
                return null;
            }
            return ByteBuffer.wrap(buffer, 0, n);
        }

        @Override
        void close() {
            if (!closed) {
                closed = true;
                try {
                    in.close();
                } catch (IOException ignored) {
                    // The body was read to its end or abandoned; a failing close changes nothing for the request.
                }
            }
        }
    }

    private static final class ProducerSource extends BodySource {
        private final Body.Producer<Object> producer;
        private final Receiver receiver;

        @SuppressWarnings("unchecked")
        ProducerSource(Body.Producer<?> producer, Receiver receiver) {
            this.producer = (Body.Producer<Object>) producer;
            this.receiver = receiver;
        }

        @Override
        ByteBuffer next(long deadlineNanos) throws IOException {
            while (true) {
                Body.Next<Object> next = producer.next(receiver.producerAcc());
                if (next == null) {
                    throw new NullPointerException("a body producer returned null");
                }
                receiver.producerAcc(next.acc());
                if (next instanceof Body.Next.Data<Object> d) {
                    if (d.bytes().hasRemaining()) {
                        return d.bytes();
                    }
                } else if (next instanceof Body.Next.Done) {
                    return null;
                } else {
                    return HALT;
                }
            }
        }
    }
}

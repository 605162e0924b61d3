package dev.finch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.Flow;

/**
 * A request body (Finch's {@code nil | iodata | {:stream, enumerable} | {:stream, fun}}).
 *
 * <ul>
 *   <li>{@link #none()}, {@link #of(byte[])}, {@link #of(String)}: known bytes, sent with {@code content-length}.
 *       They can be sent again, so a request carrying one may be retried after a stale connection.
 *   <li>{@link #of(Iterator)}, {@link #of(InputStream)}, {@link #of(Flow.Publisher)}: chunks pulled by the thread
 *       that sends the request, as the connection takes them (a publisher gets {@code request(1)} per chunk, so it
 *       never runs ahead). Sent chunked on HTTP/1.1 unless the request has a {@code content-length} header. One-shot:
 *       a request carrying one can be sent once. A source that fails (the iterator or stream throws, the publisher
 *       signals an error) aborts the request with its exception, and the body is never ended: over HTTP/1 the
 *       connection is closed without the last chunk, over HTTP/2 the stream is reset, so the server cannot take a
 *       truncated body for a complete one.
 *   <li>{@link #ofProducer(Producer)}: a function called with the accumulator of
 *       {@link FinchClient#streamWhile} (Finch's {@code req_body_fun}); it returns the next chunk, the end, or a halt
 *       that cancels the request. Only {@code streamWhile} accepts it.
 * </ul>
 */
public sealed interface Body {
    /** No body. */
    static Body none() {
        return None.INSTANCE;
    }

    /** These bytes (not copied: do not change them until the request is done). */
    static Body of(byte[] bytes) {
        return new Bytes(bytes);
    }

    /** The UTF-8 bytes of {@code text}. */
    static Body of(String text) {
        return new Bytes(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The chunks of an iterator, each sent as it is taken. */
    static Body of(Iterator<? extends ByteBuffer> chunks) {
        return new Chunks(chunks);
    }

    /** The bytes of a stream, read in chunks of up to 16 KiB by the sending thread and closed at the end. */
    static Body of(InputStream in) {
        return new Input(in);
    }

    /** The chunks a publisher emits; subscribed to when the request is sent, one chunk requested at a time. */
    static Body of(Flow.Publisher<ByteBuffer> publisher) {
        return new Published(publisher);
    }

    /** Chunks from a function of the {@code streamWhile} accumulator (Finch's request body function). */
    static <A> Body ofProducer(Producer<A> producer) {
        return new Produced(producer);
    }

    /** The next chunk from a {@link Producer}, with the accumulator. */
    static <A> Next<A> data(byte[] bytes, A acc) {
        return new Next.Data<>(ByteBuffer.wrap(bytes), acc);
    }

    /** The next chunk from a {@link Producer}, with the accumulator. */
    static <A> Next<A> data(ByteBuffer bytes, A acc) {
        return new Next.Data<>(bytes, acc);
    }

    /** The body ends; {@code acc} goes on to the response function. */
    static <A> Next<A> done(A acc) {
        return new Next.Done<>(acc);
    }

    /** Cancel the request (and close its HTTP/1 connection); {@code streamWhile} returns {@code acc}. */
    static <A> Next<A> halt(A acc) {
        return new Next.Halt<>(acc);
    }

    /** Whether the body can be sent again (known bytes), so that a failed attempt may be retried. */
    boolean isReplayable();

    /** No body. */
    enum None implements Body {
        INSTANCE;

        @Override
        public boolean isReplayable() {
            return true;
        }
    }

    /** Known bytes. */
    record Bytes(byte[] bytes) implements Body {
        public Bytes {
            Objects.requireNonNull(bytes, "bytes");
        }

        @Override
        public boolean isReplayable() {
            return true;
        }

        @Override
        public String toString() {
            return "Bytes[" + bytes.length + " bytes]";
        }
    }

    /** Chunks from an iterator. */
    record Chunks(Iterator<? extends ByteBuffer> chunks) implements Body {
        public Chunks {
            Objects.requireNonNull(chunks, "chunks");
        }

        @Override
        public boolean isReplayable() {
            return false;
        }
    }

    /** The bytes of an input stream. */
    record Input(InputStream in) implements Body {
        public Input {
            Objects.requireNonNull(in, "in");
        }

        @Override
        public boolean isReplayable() {
            return false;
        }
    }

    /** The chunks of a publisher. */
    record Published(Flow.Publisher<ByteBuffer> publisher) implements Body {
        public Published {
            Objects.requireNonNull(publisher, "publisher");
        }

        @Override
        public boolean isReplayable() {
            return false;
        }
    }

    /** Chunks from a function of the streamWhile accumulator. */
    record Produced(Producer<?> producer) implements Body {
        public Produced {
            Objects.requireNonNull(producer, "producer");
        }

        @Override
        public boolean isReplayable() {
            return false;
        }
    }

    /**
     * Finch's request body function: called with the accumulator until it answers {@link Body#done} or
     * {@link Body#halt}. Runs on the thread that sends the request. Its accumulator type must be the one given to
     * {@link FinchClient#streamWhile}.
     */
    @FunctionalInterface
    interface Producer<A> {
        Next<A> next(A acc) throws IOException;
    }

    /** What a {@link Producer} answers. */
    sealed interface Next<A> {
        /** The accumulator to go on with. */
        A acc();

        /** A chunk to send. */
        record Data<A>(ByteBuffer bytes, A acc) implements Next<A> {
            public Data {
                Objects.requireNonNull(bytes, "bytes");
            }
        }

        /** The body is complete. */
        record Done<A>(A acc) implements Next<A> {}

        /** Cancel the request. */
        record Halt<A>(A acc) implements Next<A> {}
    }
}

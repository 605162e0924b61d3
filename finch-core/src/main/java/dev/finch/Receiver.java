package dev.finch;

import dev.finch.conn.ResponsePart;
import dev.finch.http.HttpHeaders;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the parts of one response go: a {@link Response} being collected, a stream function, a streamWhile function,
 * or an async handler. The base class turns connection parts into calls, skips interim 1xx responses, and keeps what
 * telemetry reports (status, headers, trailers). Driven by one thread at a time.
 */
abstract class Receiver {
    /** {@link #accept} results. */
    static final int CONTINUE = 0;

    static final int DONE = 1;
    static final int HALT = 2;

    int status;
    HttpHeaders headers = HttpHeaders.EMPTY;
    HttpHeaders trailers = HttpHeaders.EMPTY;
    /** Whether any part of the response arrived (then a failed request cannot be retried). */
    boolean received;

    private boolean skipInterimHeaders;

    /**
     * Handles one part.
     *
     * @return {@link #CONTINUE}, {@link #DONE} (the response ended) or {@link #HALT} (the consumer stopped)
     * @throws IOException an {@code Error} part's error, or what the consumer threw
     */
    final int accept(ResponsePart part) throws IOException {
        if (part instanceof ResponsePart.Data d) {
            return data(d.bytes()) ? CONTINUE : HALT;
        }
        if (part instanceof ResponsePart.Status s) {
            received = true;
            if (s.isInformational()) {
                skipInterimHeaders = true; // 100 Continue, 103 Early Hints: not part of the response we return
                return CONTINUE;
            }
            status = s.code();
            return status(s.code()) ? CONTINUE : HALT;
        }
        if (part instanceof ResponsePart.Headers h) {
            if (skipInterimHeaders) {
                skipInterimHeaders = false;
                return CONTINUE;
            }
            headers = h.headers();
            return headers(h.headers()) ? CONTINUE : HALT;
        }
        if (part instanceof ResponsePart.Trailers t) {
            trailers = t.headers();
            return trailers(t.headers()) ? CONTINUE : HALT;
        }
        if (part instanceof ResponsePart.Done) {
            return DONE;
        }
        if (part instanceof ResponsePart.Error e) {
            throw e.error();
        }
        return CONTINUE; // Pong: not a response part
    }

    abstract boolean status(int code) throws IOException;

    abstract boolean headers(HttpHeaders headers) throws IOException;

    abstract boolean data(byte[] bytes) throws IOException;

    abstract boolean trailers(HttpHeaders trailers) throws IOException;

    /** The accumulator a {@link Body.Producer} reads; only {@code streamWhile} has one ({@link Call} checks). */
    Object producerAcc() {
        throw new IllegalStateException("no accumulator: a Body.ofProducer body needs FinchClient.streamWhile");
    }

    /** Stores what a {@link Body.Producer} answered. */
    void producerAcc(Object acc) {
        throw new IllegalStateException("no accumulator: a Body.ofProducer body needs FinchClient.streamWhile");
    }

    /** Collects a whole {@link Response}. */
    static final class Collect extends Receiver {
        private byte[] first;
        private List<byte[]> more;
        private int length;

        @Override
        boolean status(int code) {
            return true;
        }

        @Override
        boolean headers(HttpHeaders headers) {
            return true;
        }

        @Override
        boolean data(byte[] bytes) {
            // Keep the pieces and join them once at the end: no copying per piece, none at all for one piece.
            if (first == null) {
                first = bytes;
            } else {
                if (more == null) {
                    more = new ArrayList<>();
                }
                more.add(bytes);
            }
            length = Math.addExact(length, bytes.length);
            return true;
        }

        @Override
        boolean trailers(HttpHeaders trailers) {
            return true;
        }

        Response response() {
            byte[] body;
            if (first == null) {
                body = new byte[0];
            } else if (more == null) {
                body = first;
            } else {
                body = new byte[length];
                System.arraycopy(first, 0, body, 0, first.length);
                int at = first.length;
                for (byte[] b : more) {
                    System.arraycopy(b, 0, body, at, b.length);
                    at += b.length;
                }
            }
            return new Response(status, headers, body, trailers);
        }
    }

    /** Feeds a {@link StreamFunction}. */
    static final class Fold<A> extends Receiver {
        private final StreamFunction<A> fn;
        A acc;

        Fold(StreamFunction<A> fn, A acc) {
            this.fn = fn;
            this.acc = acc;
        }

        @Override
        boolean status(int code) throws IOException {
            acc = fn.apply(new StreamPart.Status(code), acc);
            return true;
        }

        @Override
        boolean headers(HttpHeaders headers) throws IOException {
            acc = fn.apply(new StreamPart.Headers(headers), acc);
            return true;
        }

        @Override
        boolean data(byte[] bytes) throws IOException {
            acc = fn.apply(new StreamPart.Data(bytes), acc);
            return true;
        }

        @Override
        boolean trailers(HttpHeaders trailers) throws IOException {
            acc = fn.apply(new StreamPart.Trailers(trailers), acc);
            return true;
        }
    }

    /** Feeds a {@link StreamWhileFunction}, which may halt; shares its accumulator with a {@link Body.Producer}. */
    static final class FoldWhile<A> extends Receiver {
        private final StreamWhileFunction<A> fn;
        A acc;
        /** Whether the consumer or the body producer halted. */
        boolean halted;

        FoldWhile(StreamWhileFunction<A> fn, A acc) {
            this.fn = fn;
            this.acc = acc;
        }

        private boolean step(StreamPart part) throws IOException {
            Step<A> step = fn.apply(part, acc);
            acc = step.acc();
            halted = step.halted();
            return !halted;
        }

        @Override
        boolean status(int code) throws IOException {
            return step(new StreamPart.Status(code));
        }

        @Override
        boolean headers(HttpHeaders headers) throws IOException {
            return step(new StreamPart.Headers(headers));
        }

        @Override
        boolean data(byte[] bytes) throws IOException {
            return step(new StreamPart.Data(bytes));
        }

        @Override
        boolean trailers(HttpHeaders trailers) throws IOException {
            return step(new StreamPart.Trailers(trailers));
        }

        @Override
        Object producerAcc() {
            return acc;
        }

        @Override
        @SuppressWarnings("unchecked")
        void producerAcc(Object acc) {
            // The producer's accumulator type is the one given to streamWhile (documented on Body.Producer).
            this.acc = (A) acc;
        }
    }
}

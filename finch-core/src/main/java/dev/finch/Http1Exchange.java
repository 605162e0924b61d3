package dev.finch;

import dev.finch.conn.HttpConnection;
import dev.finch.conn.RequestBody;
import dev.finch.conn.RequestRef;
import dev.finch.conn.ResponsePart;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.TransportException;
import dev.finch.pool.Http1Shard;
import dev.finch.pool.PooledConnection;
import dev.finch.telemetry.FinchEvent;
import dev.finch.telemetry.Telemetry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Runs one request over an HTTP/1 shard on the calling thread: check a connection out, send, receive in passive mode,
 * check it back in. No other thread is involved.
 *
 * <p>A request that fails on a reused connection because the server had closed it is sent once more on a fresh
 * connection (finch#62, #272) when that is safe: the connection saw the close before writing anything (its
 * {@code TransportException} says {@code requestNotSent}), whatever the method; or the method is idempotent, no
 * byte of the response arrived, and the body can be sent again.
 */
final class Http1Exchange {
    private Http1Exchange() {}

    /** Runs {@code call} on {@code shard}; the receiver has the response when this returns. */
    static void run(Call call, Http1Shard shard) throws IOException {
        boolean fresh = false;
        while (true) {
            PooledConnection pc;
            try {
                pc = shard.checkout(call.request, call.queueDeadline(), call.deadline, fresh);
            } catch (IOException e) {
                // A connect cut short by the request deadline is a REQUEST_TIMEOUT, as on HTTP/2 (finch#26).
                throw call.translate(e);
            }
            IOException stale = attempt(call, pc);
            if (stale == null) {
                return;
            }
            if (call.telemetry.enabled()) {
                call.telemetry.emit(new FinchEvent.RequestRetry(call.pool, call.request, stale));
            }
            fresh = true; // once: the retry is not a reused connection, so it cannot come back here
        }
    }

    /**
     * One attempt on one connection, which is checked in or discarded before this returns.
     *
     * @return null when the response was received (or halted); the error when the attempt may be retried
     * @throws IOException when it failed and may not be retried
     */
    private static IOException attempt(Call call, PooledConnection pc) throws IOException {
        HttpConnection conn = pc.connection();
        Request request = call.request;
        Telemetry telemetry = call.telemetry;
        Http1Shard shard = pc.shard();
        Body body = request.body();
        RequestBody wireBody;
        if (body instanceof Body.Bytes b) {
            wireBody = RequestBody.of(b.bytes());
        } else if (body == Body.none()) {
            wireBody = RequestBody.none();
        } else {
            wireBody = RequestBody.streaming();
        }
        BodySource source = BodySource.of(body, call.receiver);

        long sendStart = System.nanoTime();
        if (telemetry.enabled()) {
            telemetry.emit(new FinchEvent.SendStart(call.pool, request));
        }
        RequestRef ref;
        try {
            ref = conn.request(request.method(), request.target(), request.wireHeaders(), wireBody);
        } catch (IOException | RuntimeException | Error e) {
            sendStop(call, sendStart, e);
            if (conn.isOpen()) {
                shard.checkin(pc); // a refused request (invalid header, say): nothing was sent
            } else {
                shard.discard(pc);
            }
            if (e instanceof TransportException t && t.requestNotSent()) {
                // The server had closed the idle connection (seen before anything was written): safe to send on a
                // fresh one whatever the method (finch#62). The body source stays open: nothing was pulled from it
                // (sources are lazy), and closing it would close the caller's stream the retry is about to read.
                if (telemetry.enabled()) {
                    telemetry.emit(new FinchEvent.StaleConnectionDiscarded(call.pool, shard.index(), pc.idleNanos()));
                }
                return t;
            }
            if (source != null) {
                source.close();
            }
            throw rethrown(call, e);
        }
        if (source != null) {
            try {
                if (!streamBody(call, conn, ref, source)) {
                    // A body producer halted: cancel the request and close the connection (Finch's {:halt, acc}).
                    sendStop(call, sendStart, null);
                    shard.discard(pc);
                    markHalted(call);
                    return null;
                }
            } catch (IOException | RuntimeException | Error e) {
                sendStop(call, sendStart, e);
                shard.discard(pc);
                source.close();
                throw rethrown(call, e);
            }
        }
        sendStop(call, sendStart, null);
        return receive(call, pc, conn);
    }

    private static IOException receive(Call call, PooledConnection pc, HttpConnection conn) throws IOException {
        Telemetry telemetry = call.telemetry;
        Receiver receiver = call.receiver;
        long recvStart = System.nanoTime();
        if (telemetry.enabled()) {
            telemetry.emit(new FinchEvent.RecvStart(call.pool, call.request));
        }
        int result = Receiver.CONTINUE;
        try {
            while (result == Receiver.CONTINUE) {
                List<ResponsePart> parts = conn.recv(call.nextReadTimeout());
                for (int i = 0, n = parts.size(); i < n && result == Receiver.CONTINUE; i++) {
                    result = receiver.accept(parts.get(i));
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            pc.shard().discard(pc);
            if (e instanceof IOException io
                    && pc.reused()
                    && !receiver.received
                    && isStale(io)
                    && call.request.isIdempotent()
                    && call.request.body().isReplayable()) {
                recvException(call, recvStart, io);
                return io;
            }
            if (e instanceof IOException io) {
                IOException thrown = call.translate(io);
                recvException(call, recvStart, thrown);
                throw thrown;
            }
            recvException(call, recvStart, e);
            throw rethrown(call, e);
        }
        recvStop(call, recvStart);
        if (result == Receiver.DONE) {
            pc.shard().checkin(pc); // closed instead if the response said connection: close
        } else {
            // Halted mid-response: the rest would arrive on this connection, so it cannot be reused.
            pc.shard().discard(pc);
            markHalted(call);
        }
        return null;
    }

    /**
     * What to throw for {@code e}: an I/O failure as {@link Call#translate} says; anything else (a bug in a callback,
     * say) is thrown as it is, after the connection was released.
     */
    private static IOException rethrown(Call call, Throwable e) {
        if (e instanceof IOException io) {
            return call.translate(io);
        }
        if (e instanceof Error err) {
            throw err;
        }
        throw (RuntimeException) e;
    }

    /** Pulls and writes the streamed body; returns false if a producer halted. */
    private static boolean streamBody(Call call, HttpConnection conn, RequestRef ref, BodySource source)
            throws IOException {
        while (true) {
            long readDeadline =
                    Math.min(call.deadline, Call.addSaturated(System.nanoTime(), call.options.receiveTimeoutNanos));
            ByteBuffer chunk = source.next(readDeadline);
            if (chunk == null) {
                conn.endRequestBody(ref, HttpHeaders.EMPTY);
                return true;
            }
            if (chunk == BodySource.HALT) {
                return false;
            }
            if (call.pastDeadline()) {
                throw call.requestTimeout(null);
            }
            conn.streamRequestBody(ref, chunk);
        }
    }

    /**
     * Whether a failure looks like a connection the server had closed while it sat idle: reset or a broken pipe
     * (TransportException CLOSED), or an orderly close before any byte of the response (HttpProtocolException
     * CLOSED). Malformed or truncated responses, timeouts and TLS failures are not retried.
     */
    private static boolean isStale(IOException e) {
        return e instanceof TransportException t && t.reason() == TransportException.Reason.CLOSED
                || e instanceof HttpProtocolException h && h.reason() == HttpProtocolException.Reason.CLOSED;
    }

    private static void markHalted(Call call) {
        if (call.receiver instanceof Receiver.FoldWhile<?> f) {
            f.halted = true;
        }
    }

    private static void sendStop(Call call, long start, Throwable error) {
        if (call.telemetry.enabled()) {
            call.telemetry.emit(new FinchEvent.SendStop(call.pool, call.request, System.nanoTime() - start, error));
        }
    }

    private static void recvStop(Call call, long start) {
        if (call.telemetry.enabled()) {
            Receiver r = call.receiver;
            call.telemetry.emit(new FinchEvent.RecvStop(
                    call.pool, call.request, System.nanoTime() - start, r.status, r.headers, r.trailers));
        }
    }

    private static void recvException(Call call, long start, Throwable error) {
        if (call.telemetry.enabled()) {
            call.telemetry.emit(
                    new FinchEvent.RecvException(call.pool, call.request, System.nanoTime() - start, error));
        }
    }
}

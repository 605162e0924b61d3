package dev.finch;

import dev.finch.conn.RequestBody;
import dev.finch.conn.ResponsePart;
import dev.finch.pool.H2Stream;
import dev.finch.pool.Http2Shard;
import dev.finch.telemetry.FinchEvent;
import dev.finch.telemetry.Telemetry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one request on an HTTP/2 shard from the calling thread: the shard's connection thread does the I/O, this thread
 * waits for its stream to start, feeds its body chunk by chunk within the send window, and takes its response parts,
 * reporting each piece of data consumed so that the server may send more (back-pressure, finch#282).
 *
 * <p>Every timeout is the caller's own wait: the pool timeout while queued, the receive timeout per wait for parts,
 * the request timeout over all of it. When one passes, or the consumer halts or is cancelled, the stream is reset
 * (RST_STREAM CANCEL) and the connection carries on.
 */
final class Http2Exchange {
    private Http2Exchange() {}

    static void run(Call call, Http2Shard shard) throws IOException {
        Request request = call.request;
        Telemetry telemetry = call.telemetry;
        Body body = request.body();
        RequestBody wireBody = body instanceof Body.Bytes b
                ? RequestBody.of(b.bytes())
                : body == Body.none() ? RequestBody.none() : RequestBody.streaming();

        long queueStart = System.nanoTime();
        if (telemetry.enabled()) {
            telemetry.emit(new FinchEvent.QueueStart(call.pool, shard.index(), request));
        }
        H2Stream stream;
        try {
            stream = shard.open(
                    request, request.method(), request.target(), request.wireHeaders(), wireBody, body.isReplayable());
            stream.awaitStarted(call.queueDeadline(), call.deadline);
        } catch (IOException | RuntimeException e) {
            if (telemetry.enabled()) {
                telemetry.emit(new FinchEvent.QueueException(
                        call.pool, shard.index(), request, System.nanoTime() - queueStart, e));
            }
            if (e instanceof IOException io) {
                throw call.translate(io);
            }
            throw e;
        }
        if (telemetry.enabled()) {
            telemetry.emit(new FinchEvent.QueueStop(
                    call.pool, shard.index(), request, System.nanoTime() - queueStart, 0, true));
        }
        try {
            if (!send(call, stream)) {
                return;
            }
            receive(call, stream);
        } catch (IOException | RuntimeException | Error e) {
            stream.cancel(); // RST_STREAM: the rest of the response is not wanted
            throw e;
        }
    }

    /** Sends the streamed body, if any; returns false if a producer halted. */
    private static boolean send(Call call, H2Stream stream) throws IOException {
        long start = System.nanoTime();
        Telemetry telemetry = call.telemetry;
        if (telemetry.enabled()) {
            telemetry.emit(new FinchEvent.SendStart(call.pool, call.request));
        }
        BodySource source = BodySource.of(call.request.body(), call.receiver);
        IOException failed = null;
        try {
            if (source != null) {
                while (true) {
                    long chunkDeadline = Math.min(
                            call.deadline, Call.addSaturated(System.nanoTime(), call.options.receiveTimeoutNanos));
                    ByteBuffer chunk = source.next(chunkDeadline);
                    if (chunk == null) {
                        stream.end();
                        break;
                    }
                    if (chunk == BodySource.HALT) {
                        stream.cancel();
                        if (call.receiver instanceof Receiver.FoldWhile<?> f) {
                            f.halted = true;
                        }
                        return false;
                    }
                    stream.write(chunk, chunkDeadline);
                }
            }
            return true;
        } catch (IOException e) {
            failed = call.translate(e);
            throw failed;
        } finally {
            if (source != null && failed != null) {
                source.close();
            }
            if (telemetry.enabled()) {
                telemetry.emit(new FinchEvent.SendStop(call.pool, call.request, System.nanoTime() - start, failed));
            }
        }
    }

    private static void receive(Call call, H2Stream stream) throws IOException {
        Telemetry telemetry = call.telemetry;
        Receiver receiver = call.receiver;
        long start = System.nanoTime();
        if (telemetry.enabled()) {
            telemetry.emit(new FinchEvent.RecvStart(call.pool, call.request));
        }
        List<ResponsePart> parts = new ArrayList<>(8);
        int result = Receiver.CONTINUE;
        try {
            while (result == Receiver.CONTINUE) {
                parts.clear();
                stream.take(parts, call.nextReadTimeout().toNanos());
                for (int i = 0, n = parts.size(); i < n && result == Receiver.CONTINUE; i++) {
                    ResponsePart part = parts.get(i);
                    result = receiver.accept(part);
                    if (part instanceof ResponsePart.Data d) {
                        stream.consumed(d.bytes().length); // taken by the consumer: the server may send more
                    }
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            Throwable thrown = e instanceof IOException io ? call.translate(io) : e;
            if (telemetry.enabled()) {
                telemetry.emit(
                        new FinchEvent.RecvException(call.pool, call.request, System.nanoTime() - start, thrown));
            }
            if (thrown instanceof IOException io) {
                throw io;
            }
            throw e;
        }
        if (result == Receiver.HALT) {
            stream.cancel();
            if (receiver instanceof Receiver.FoldWhile<?> f) {
                f.halted = true;
            }
        } else {
            stream.finish();
        }
        if (telemetry.enabled()) {
            telemetry.emit(new FinchEvent.RecvStop(
                    call.pool,
                    call.request,
                    System.nanoTime() - start,
                    receiver.status,
                    receiver.headers,
                    receiver.trailers));
        }
    }
}

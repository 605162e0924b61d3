package dev.finch.autoconfigure;

import dev.finch.AsyncHandler;
import dev.finch.AsyncRef;
import dev.finch.FinchClient;
import dev.finch.StreamPart;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.ClientHttpResponse;

/**
 * A response arriving from an asynchronous Finch request, read by Spring as a stream. Finch's thread hands each body
 * piece over and waits while more than {@link #MAX_BUFFERED} bytes are unread, so the body streams with back-pressure
 * (on HTTP/2, the window grows as Spring reads). Closing before the end cancels the request.
 */
final class FinchClientHttpResponse extends InputStream implements ClientHttpResponse, AsyncHandler {
    static final int MAX_BUFFERED = 256 * 1024;

    /** How long close() waits for a cancelled request to let go of its connection. */
    private static final long CANCEL_WAIT_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(5);

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<byte[]> pieces = new ArrayDeque<>();
    private final Runnable onEnd;
    private FinchClient client;
    private AsyncRef ref;
    private int buffered;
    private int status;
    private HttpHeaders headers;
    private boolean done;
    private boolean closed;
    private IOException error;
    private byte[] piece;
    private int pos;

    /** {@code onEnd} runs once the request ended, whichever way (it releases the request body). */
    FinchClientHttpResponse(Runnable onEnd) {
        this.onEnd = onEnd;
    }

    void started(FinchClient client, AsyncRef ref) {
        lock.lock();
        try {
            this.client = client;
            this.ref = ref;
        } finally {
            lock.unlock();
        }
    }

    // ---- Finch's side -----------------------------------------------------------------------------------------------

    @Override
    public void onPart(StreamPart part) throws IOException {
        lock.lock();
        try {
            if (part instanceof StreamPart.Status s) {
                status = s.code();
            } else if (part instanceof StreamPart.Headers h) {
                HttpHeaders out = new HttpHeaders();
                h.headers().asList().forEach(f -> out.add(f.name(), f.value()));
                headers = out;
                changed.signalAll();
            } else if (part instanceof StreamPart.Data d) {
                while (buffered > MAX_BUFFERED && !closed) {
                    changed.await();
                }
                if (closed) {
                    throw new IOException("the response was closed before its end");
                }
                pieces.add(d.bytes());
                buffered += d.bytes().length;
                changed.signalAll();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("cancelled");
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onComplete() {
        end(null);
    }

    @Override
    public void onError(IOException error) {
        end(error);
    }

    private void end(IOException e) {
        lock.lock();
        try {
            done = true;
            error = e;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        onEnd.run();
    }

    // ---- Spring's side ----------------------------------------------------------------------------------------------

    /** Waits for the status and headers; throws what ended the request before them. */
    void awaitHead() throws IOException {
        lock.lock();
        try {
            while (headers == null && !done) {
                changed.await();
            }
            if (headers == null) {
                throw error != null ? error : new IOException("the response ended without headers");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new InterruptedIOException("interrupted while waiting for the response");
        } finally {
            lock.unlock();
        }
    }

    /** What ended the request, if it already failed. */
    IOException failure() {
        lock.lock();
        try {
            return done ? error : null;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public HttpStatusCode getStatusCode() {
        return HttpStatusCode.valueOf(status);
    }

    @Override
    public String getStatusText() {
        // HTTP/2 has no reason phrase and Finch does not keep HTTP/1's: the standard one reads well in error messages.
        HttpStatus known = HttpStatus.resolve(status);
        return known == null ? "" : known.getReasonPhrase();
    }

    @Override
    public HttpHeaders getHeaders() {
        return headers;
    }

    @Override
    public InputStream getBody() {
        return this;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (piece == null || pos == piece.length) {
            if (!nextPiece()) {
                return -1;
            }
        }
        int n = Math.min(len, piece.length - pos);
        System.arraycopy(piece, pos, b, off, n);
        pos += n;
        return n;
    }

    private boolean nextPiece() throws IOException {
        lock.lock();
        try {
            while (pieces.isEmpty() && !done && !closed) {
                changed.await();
            }
            if (closed) {
                throw new IOException("the response is closed");
            }
            if (pieces.isEmpty()) {
                if (error != null) {
                    throw error;
                }
                return false;
            }
            piece = pieces.poll();
            pos = 0;
            buffered -= piece.length;
            changed.signalAll();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading the response");
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int available() {
        return piece == null ? 0 : piece.length - pos;
    }

    /**
     * Ends the response: a request still receiving is cancelled (its HTTP/1 connection closes, an h2 stream resets),
     * and close returns once Finch let go of the connection (at most a few seconds).
     */
    @Override
    public void close() {
        FinchClient c;
        AsyncRef r;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            pieces.clear();
            changed.signalAll();
            c = done ? null : client;
            r = ref;
        } finally {
            lock.unlock();
        }
        if (c != null && r != null) {
            c.cancel(r);
        }
        awaitEnd(CANCEL_WAIT_NANOS);
    }

    /** Waits until Finch reported the end of the request (its connection is then closed or back in the pool). */
    private void awaitEnd(long nanos) {
        lock.lock();
        try {
            long left = nanos;
            while (!done && left > 0) {
                left = changed.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }
}

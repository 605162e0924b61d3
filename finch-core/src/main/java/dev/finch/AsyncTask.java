package dev.finch;

import dev.finch.http.HttpHeaders;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * An asynchronous request: the synchronous call, run on an executor thread, with its outcome delivered to an
 * {@link AsyncHandler} or a {@link CompletableFuture}. Finch spawns a helper process for HTTP/1 async requests; this
 * is the same idea with threads.
 */
abstract class AsyncTask implements Runnable {
    final FinchClient client;
    final Request request;
    final RequestOptions options;
    final AsyncRef ref = new AsyncRef(this);
    /** When the call was made: the request timeout counts from here, not from when a thread picked it up. */
    final long submitted = System.nanoTime();

    /** The interceptors' completions, told before the handler or the future. */
    private final Interception interception;
    /** The final status, once the request ran; 0 if it did not get one. */
    private volatile int status;

    AsyncTask(FinchClient client, Interception interception, RequestOptions options) {
        this.client = client;
        this.interception = interception;
        this.request = interception.request;
        this.options = options;
    }

    @Override
    public final void run() {
        if (!ref.begin()) {
            return; // cancelled before it started: cancel() reported it
        }
        IOException error = null;
        Throwable bug = null;
        boolean cancelled;
        Receiver receiver = receiver();
        try {
            client.execute(request, options, receiver, submitted);
        } catch (IOException e) {
            error = e;
        } catch (Throwable e) {
            bug = e; // a RuntimeException or an Error (an AssertionError in a handler, say): still ends the task
        } finally {
            status = receiver.status;
            cancelled = ref.end();
            client.asyncEnded(this);
        }
        if (cancelled) {
            fail(ref.cancelledError(error));
        } else if (error != null) {
            fail(error);
        } else if (bug != null) {
            fail(new IOException("the async request failed: " + bug, bug));
        } else {
            interception.complete(status, null);
            completed();
        }
        if (bug instanceof VirtualMachineError vmError) {
            throw vmError; // the JVM may be in trouble (out of memory, say): the executor should hear of it too
        }
    }

    /**
     * Cancels the request. One cancelled before it started is reported here, on the cancelling thread; one running is
     * interrupted and reports itself when it stops.
     *
     * @return false if it had already ended
     */
    final boolean cancel() {
        int was = ref.cancel();
        if (was == AsyncRef.WAS_PENDING) {
            client.asyncEnded(this);
            fail(ref.cancelledError(null));
        }
        return was != AsyncRef.WAS_OVER;
    }

    /** Tells the interceptors, then the handler or the future, that the request failed. */
    final void fail(IOException error) {
        interception.complete(status, error);
        failed(error);
    }

    /** Where the parts go, on the executor thread. */
    abstract Receiver receiver();

    abstract void completed();

    abstract void failed(IOException error);

    /** Delivers parts to an {@link AsyncHandler}. */
    static final class ToHandler extends AsyncTask {
        private final AsyncHandler handler;

        ToHandler(FinchClient client, Interception interception, RequestOptions options, AsyncHandler handler) {
            super(client, interception, options);
            this.handler = handler;
        }

        @Override
        Receiver receiver() {
            return new Receiver() {
                @Override
                boolean status(int code) throws IOException {
                    return deliver(new StreamPart.Status(code));
                }

                @Override
                boolean headers(HttpHeaders headers) throws IOException {
                    return deliver(new StreamPart.Headers(headers));
                }

                @Override
                boolean data(byte[] bytes) throws IOException {
                    return deliver(new StreamPart.Data(bytes));
                }

                @Override
                boolean trailers(HttpHeaders trailers) throws IOException {
                    return deliver(new StreamPart.Trailers(trailers));
                }
            };
        }

        /** Hands a part over unless the request was cancelled meanwhile (then halts it). */
        private boolean deliver(StreamPart part) throws IOException {
            if (ref.isCancelled()) {
                return false;
            }
            handler.onPart(part);
            return true;
        }

        @Override
        void completed() {
            handler.onComplete();
        }

        @Override
        void failed(IOException error) {
            handler.onError(error);
        }
    }

    /** Completes a future with the whole response. */
    static final class ToFuture extends AsyncTask {
        final Future future = new Future(this);
        private final Receiver.Collect collect = new Receiver.Collect();

        ToFuture(FinchClient client, Interception interception, RequestOptions options) {
            super(client, interception, options);
        }

        @Override
        Receiver receiver() {
            return collect;
        }

        @Override
        void completed() {
            future.complete(collect.response());
        }

        @Override
        void failed(IOException error) {
            future.completeExceptionally(error);
        }
    }

    /** A future whose {@code cancel} cancels the request. */
    static final class Future extends CompletableFuture<Response> {
        private final AsyncTask task;

        Future(AsyncTask task) {
            this.task = task;
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (cancelled) {
                task.cancel();
            }
            return cancelled;
        }

        @Override
        public <U> CompletableFuture<U> newIncompleteFuture() {
            return new CompletableFuture<>(); // dependents are plain futures: cancelling them cancels nothing here
        }
    }
}

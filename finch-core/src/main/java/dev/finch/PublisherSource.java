package dev.finch;

import dev.finch.http.TransportException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Pulls a {@link Flow.Publisher}'s chunks on the sending thread, one {@code request(1)} per chunk, so the publisher
 * never runs ahead of the connection (back-pressure). The publisher may signal from any thread; the lock guards the
 * hand-over slot.
 */
final class PublisherSource extends BodySource implements Flow.Subscriber<ByteBuffer> {
    private final Flow.Publisher<ByteBuffer> publisher;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private Flow.Subscription subscription;
    private ByteBuffer item;
    private boolean complete;
    private Throwable error;
    private boolean subscribed;
    private boolean cancelled;

    PublisherSource(Flow.Publisher<ByteBuffer> publisher) {
        this.publisher = publisher;
    }

    @Override
    ByteBuffer next(long deadlineNanos) throws IOException {
        Flow.Subscription s;
        lock.lock();
        try {
            if (!subscribed) {
                subscribed = true;
                lock.unlock();
                try {
                    publisher.subscribe(this); // may call onSubscribe (and more) on this thread
                } finally {
                    lock.lock();
                }
            }
            s = awaitLocked(() -> subscription != null || error != null, deadlineNanos);
        } finally {
            lock.unlock();
        }
        if (s != null) {
            s.request(1); // outside the lock: the publisher may call onNext right here
        }
        lock.lock();
        try {
            awaitLocked(() -> item != null || complete || error != null, deadlineNanos);
            if (item != null) {
                ByteBuffer b = item;
                item = null;
                return b;
            }
            if (error != null) {
                throw new IOException("the request body publisher failed", error);
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    private Flow.Subscription awaitLocked(java.util.function.BooleanSupplier ready, long deadlineNanos)
            throws IOException {
        while (!ready.getAsBoolean()) {
            long remaining = deadlineNanos - System.nanoTime();
            if (remaining <= 0) {
                throw new TransportException(
                        TransportException.Reason.TIMEOUT, "the request body publisher sent nothing in time");
            }
            try {
                changed.awaitNanos(remaining);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TransportException(
                        TransportException.Reason.INTERRUPTED, "waiting for the request body publisher");
            }
        }
        return error == null ? subscription : null;
    }

    @Override
    void close() {
        Flow.Subscription s;
        lock.lock();
        try {
            cancelled = true;
            s = complete || error != null ? null : subscription;
        } finally {
            lock.unlock();
        }
        if (s != null) {
            s.cancel();
        }
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        boolean cancel;
        lock.lock();
        try {
            cancel = subscription != null || cancelled;
            if (!cancel) {
                subscription = s;
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
        if (cancel) {
            s.cancel(); // Reactive Streams §2.5: a second subscription is cancelled
        }
    }

    @Override
    public void onNext(ByteBuffer b) {
        lock.lock();
        try {
            if (b == null) {
                error = new NullPointerException("the request body publisher emitted null");
            } else {
                item = b;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onError(Throwable t) {
        lock.lock();
        try {
            error = t == null ? new NullPointerException("onError(null)") : t;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onComplete() {
        lock.lock();
        try {
            complete = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}

package dev.finch.client;

import dev.finch.AsyncHandler;
import dev.finch.StreamPart;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/** An async handler that records what it is told, for assertions. */
public class CollectingHandler implements AsyncHandler {
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile IOException error;

    @Override
    public void onPart(StreamPart part) {
        if (part instanceof StreamPart.Status s) {
            events.add("Status " + s.code());
        } else {
            events.add(part.getClass().getSimpleName());
        }
    }

    @Override
    public void onComplete() {
        events.add("complete");
        ended.countDown();
    }

    @Override
    public void onError(IOException e) {
        error = e;
        events.add("error");
        ended.countDown();
    }

    /** What happened, in order: {@code Status 200}, {@code Headers}, {@code Data}, ..., {@code complete} or {@code error}. */
    public List<String> events() {
        return events;
    }

    /** Counted down by onComplete or onError. */
    public CountDownLatch ended() {
        return ended;
    }

    /** What onError got, or null. */
    public IOException error() {
        return error;
    }
}

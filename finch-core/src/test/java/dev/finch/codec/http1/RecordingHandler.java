package dev.finch.codec.http1;

import dev.finch.http.HttpHeaders;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Records what a decoder reports as a list of {@link Event}s. Adjacent data is merged, so the same response split
 * differently records the same list.
 */
final class RecordingHandler implements Http1ResponseHandler {
    /** One handler call. */
    sealed interface Event {}

    record Status(int code) implements Event {}

    record Headers(HttpHeaders headers) implements Event {}

    /** Body bytes, held as ISO-8859-1 text so that records compare by value and print readably. */
    record Data(String bytes) implements Event {}

    record Trailers(HttpHeaders trailers) implements Event {}

    record Done(boolean keepAlive) implements Event {}

    private final List<Event> events = new ArrayList<>();
    /** Data calls, unmerged. */
    private int dataCalls;

    static Headers headers(String... namesAndValues) {
        return new Headers(HttpHeaders.of(namesAndValues));
    }

    static Trailers trailers(String... namesAndValues) {
        return new Trailers(HttpHeaders.of(namesAndValues));
    }

    List<Event> events() {
        return events;
    }

    int dataCalls() {
        return dataCalls;
    }

    @Override
    public void status(int code) {
        events.add(new Status(code));
    }

    @Override
    public void headers(HttpHeaders headers) {
        events.add(new Headers(headers));
    }

    @Override
    public void data(ByteBuffer data) {
        dataCalls++;
        byte[] bytes = new byte[data.remaining()];
        data.duplicate().get(bytes);
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int last = events.size() - 1;
        if (last >= 0 && events.get(last) instanceof Data previous) {
            events.set(last, new Data(previous.bytes() + text));
        } else {
            events.add(new Data(text));
        }
    }

    @Override
    public void trailers(HttpHeaders trailers) {
        events.add(new Trailers(trailers));
    }

    @Override
    public void done(boolean keepAlive) {
        events.add(new Done(keepAlive));
    }
}

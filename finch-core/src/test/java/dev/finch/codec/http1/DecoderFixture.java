package dev.finch.codec.http1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.finch.http.HttpProtocolException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** A decoder, its recorder, and shorthand to feed ISO-8859-1 text to it. */
final class DecoderFixture {
    final Http1Decoder decoder;
    final RecordingHandler handler = new RecordingHandler();

    DecoderFixture(Http1Limits limits, String... methods) {
        decoder = new Http1Decoder(limits);
        for (String method : methods) {
            decoder.expectResponse(method);
        }
    }

    DecoderFixture(String... methods) {
        this(Http1Limits.DEFAULTS, methods);
    }

    static ByteBuffer bytes(String latin1) {
        return ByteBuffer.wrap(latin1.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Feeds the text in one call and checks that all of it was consumed. */
    DecoderFixture feed(String latin1) throws HttpProtocolException {
        ByteBuffer in = bytes(latin1);
        decoder.decode(in, handler);
        assertThat(in.hasRemaining()).as("input left unconsumed").isFalse();
        return this;
    }

    DecoderFixture close() throws HttpProtocolException {
        decoder.endOfInput(handler);
        return this;
    }

    List<RecordingHandler.Event> events() {
        return handler.events();
    }

    /** The exception {@code action} throws; fails the test if it throws none. */
    static HttpProtocolException failure(Action action) {
        try {
            action.run();
        } catch (HttpProtocolException e) {
            return e;
        }
        return fail("expected an HttpProtocolException");
    }

    /** Something that may throw the codec's checked exception. */
    @FunctionalInterface
    interface Action {
        void run() throws HttpProtocolException;
    }
}

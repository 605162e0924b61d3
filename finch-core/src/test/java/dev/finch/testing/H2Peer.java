package dev.finch.testing;

import dev.finch.codec.http2.ByteSink;
import dev.finch.codec.http2.ErrorCode;
import dev.finch.codec.http2.Frame;
import dev.finch.codec.http2.FrameDecoder;
import dev.finch.codec.http2.FrameEncoder;
import dev.finch.codec.http2.FrameHandler;
import dev.finch.codec.http2.Hpack;
import dev.finch.codec.http2.Http2StreamException;
import dev.finch.codec.http2.Settings;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A scripted HTTP/2 server for hostile and exact-frame tests, built on {@link RawServer}: the script reads the client's
 * frames with the project's own {@link FrameDecoder} and {@link Hpack}, and writes whatever frames it likes with
 * {@link FrameEncoder}, well-formed or not. After the script returns, the server keeps the socket open and watches
 * for the client to close it ({@link #awaitClientClose}), so tests can assert that a client released its socket.
 *
 * <pre>{@code
 * try (H2Peer peer = H2Peer.start(c -> {
 *     c.handshake(Settings.EMPTY);
 *     H2Peer.Headers request = c.await(H2Peer.Headers.class);
 *     c.sendHeaders(request.streamId(), true, ":status", "200");
 * })) { ... }
 * }</pre>
 *
 * <p>Every read is bounded ({@link Conn#next()} gives up after {@link #READ_TIMEOUT}), so a script cannot hang a test.
 */
public final class H2Peer implements AutoCloseable {
    /** How long a script waits for the client's next frame. */
    public static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

    /** What the peer does with one connection. */
    @FunctionalInterface
    public interface Script {
        void run(Conn conn) throws Exception;
    }

    /** A HEADERS block from the client (CONTINUATIONs merged), decoded in arrival order. */
    public record Headers(int streamId, boolean endStream, HttpHeaders fields) {}

    /** A stream error the decoder reported in the client's frames. */
    public record StreamError(int streamId, ErrorCode errorCode) {}

    /** A frame header as it crossed the wire, before CONTINUATIONs were merged: for checking how frames were cut. */
    public record RawFrame(int length, int type, int flags, int streamId) {}

    private final RawServer server;

    private H2Peer(RawServer server) {
        this.server = server;
    }

    /** Starts a peer that runs {@code script} for every connection. */
    public static H2Peer start(Script script) throws IOException {
        return new H2Peer(RawServer.start(c -> {
            try {
                script.run(new Conn(c));
            } catch (AssertionError e) {
                throw new IllegalStateException("script assertion failed: " + e.getMessage(), e); // RawServer keeps it
            }
        }));
    }

    public int port() {
        return server.port();
    }

    /** Waits until the client closes the socket of a finished script; true if it did within the timeout. */
    public boolean awaitClientClose(Duration timeout) throws InterruptedException {
        return server.awaitClientClose(timeout);
    }

    /** Exceptions the scripts threw (assertion failures included). */
    public List<Throwable> scriptErrors() {
        return server.scriptErrors();
    }

    @Override
    public void close() throws Exception {
        server.close();
    }

    /** One accepted connection, seen frame by frame. */
    public static final class Conn {
        private final RawServer.Conn raw;
        private final FrameDecoder decoder = new FrameDecoder(Settings.MAX_MAX_FRAME_SIZE, 1 << 24, 100_000);
        private final Hpack hpack = new Hpack(1 << 24, Settings.DEFAULT_HEADER_TABLE_SIZE);
        private final ArrayDeque<Object> received = new ArrayDeque<>();
        private final List<RawFrame> rawFrames = new ArrayList<>();
        private final byte[] rawHeader = new byte[Frame.HEADER_LENGTH];
        private int rawHeaderFill;
        private long rawSkip;
        private final Recorder recorder = new Recorder();
        private boolean prefaceRead;

        Conn(RawServer.Conn raw) throws IOException {
            this.raw = raw;
            raw.socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
        }

        /** The underlying socket, e.g. to shut down output. */
        public java.net.Socket socket() {
            return raw.socket;
        }

        /**
         * Reads the client preface (§3.4), then answers with {@code serverSettings} and an ACK of the client's
         * SETTINGS. Returns the client's SETTINGS frame.
         */
        public Frame.Settings handshake(Settings serverSettings) throws IOException {
            Frame.Settings client = readPreface();
            send(new Frame.Settings(false, serverSettings), new Frame.Settings(true, Settings.EMPTY));
            return client;
        }

        /** Reads the 24-byte preface and the client's first frame, which must be SETTINGS. */
        public Frame.Settings readPreface() throws IOException {
            byte[] magic = raw.readBytes(24);
            String text = new String(magic, StandardCharsets.ISO_8859_1);
            if (!text.equals(FrameEncoder.CONNECTION_PREFACE)) {
                throw new AssertionError("not the HTTP/2 preface: " + text);
            }
            prefaceRead = true;
            Object first = next();
            if (!(first instanceof Frame.Settings s) || s.ack()) {
                throw new AssertionError("the client's first frame is not SETTINGS: " + first);
            }
            return s;
        }

        /**
         * The client's next frame: a {@link Frame} record, {@link Headers} for HEADERS, or {@link StreamError}.
         *
         * @throws EOFException if the client closed; {@link SocketTimeoutException} after {@link #READ_TIMEOUT}
         */
        public Object next() throws IOException {
            byte[] buffer = new byte[16 * 1024];
            while (received.isEmpty()) {
                int n = raw.in.read(buffer);
                if (n < 0) {
                    throw new EOFException("the client closed the connection");
                }
                ByteBuffer in = ByteBuffer.wrap(buffer, 0, n);
                logRaw(in.duplicate());
                try {
                    decoder.decode(in, recorder);
                } catch (HttpProtocolException e) {
                    throw new AssertionError("the client sent a broken frame: " + e.getMessage(), e);
                }
            }
            return received.pollFirst();
        }

        /** The client's next frame of {@code type}, skipping others (WINDOW_UPDATE, ACKs ...). */
        public <T> T await(Class<T> type) throws IOException {
            while (true) {
                Object f = next();
                if (type.isInstance(f)) {
                    return type.cast(f);
                }
            }
        }

        /** The client's next PING that is not an acknowledgement. */
        public Frame.Ping awaitPing() throws IOException {
            Frame.Ping p;
            do {
                p = await(Frame.Ping.class);
            } while (p.ack());
            return p;
        }

        /** Answers the client's next PING: a round trip the client can wait for (everything before it was read). */
        public void answerPing() throws IOException {
            send(new Frame.Ping(true, awaitPing().payload()));
        }

        /** Every frame until the client closes the connection (then EOF), for asserting what it sent last. */
        public List<Object> readUntilClose() throws IOException {
            List<Object> frames = new ArrayList<>();
            try {
                while (true) {
                    frames.add(next());
                }
            } catch (EOFException e) {
                return frames;
            } catch (IOException e) {
                if (e instanceof SocketTimeoutException) {
                    throw e;
                }
                return frames; // a reset also means the client is gone
            }
        }

        /** Frame headers seen on the wire so far, CONTINUATIONs included. */
        public List<RawFrame> rawFrames() {
            return rawFrames;
        }

        /** Writes frames exactly as the records describe them. */
        public void send(Frame... frames) throws IOException {
            ByteSink out = new ByteSink();
            for (Frame f : frames) {
                FrameEncoder.frame(out, f);
            }
            raw.write(out.toByteArray());
        }

        /**
         * Writes frames in one write, as a flood would, and tolerates a client that hangs up part-way (it is supposed
         * to); returns whether everything was written.
         */
        public boolean flood(List<? extends Frame> frames) {
            try {
                send(frames.toArray(new Frame[0]));
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        /** Writes raw bytes: a broken frame, say. */
        public void write(byte[] bytes) throws IOException {
            raw.write(bytes);
        }

        /** HPACK-encodes alternating names and values into one block, in order (pseudo-headers first). */
        public byte[] headerBlock(String... namesAndValues) {
            return headerBlock(HttpHeaders.of(namesAndValues));
        }

        /** HPACK-encodes {@code fields} into one block. */
        public byte[] headerBlock(HttpHeaders fields) {
            ByteSink out = new ByteSink();
            hpack.encode(fields, out);
            return out.toByteArray();
        }

        /** One HEADERS frame with END_HEADERS carrying the encoded fields. */
        public void sendHeaders(int streamId, boolean endStream, String... namesAndValues) throws IOException {
            send(new Frame.Headers(streamId, endStream, true, null, headerBlock(namesAndValues)));
        }

        /** One DATA frame. */
        public void sendData(int streamId, byte[] data, boolean endStream) throws IOException {
            send(new Frame.Data(streamId, endStream, data));
        }

        /** A complete response: status, then the body as one DATA frame with END_STREAM (none if empty). */
        public void respond(int streamId, int status, String body) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            sendHeaders(streamId, bytes.length == 0, ":status", Integer.toString(status));
            if (bytes.length > 0) {
                sendData(streamId, bytes, true);
            }
        }

        private void logRaw(ByteBuffer in) {
            if (!prefaceRead) {
                return; // the 24 preface bytes were read separately
            }
            while (in.hasRemaining()) {
                if (rawSkip > 0) {
                    int n = (int) Math.min(rawSkip, in.remaining());
                    in.position(in.position() + n);
                    rawSkip -= n;
                    continue;
                }
                rawHeader[rawHeaderFill++] = in.get();
                if (rawHeaderFill == Frame.HEADER_LENGTH) {
                    rawHeaderFill = 0;
                    ByteBuffer h = ByteBuffer.wrap(rawHeader);
                    int length = (h.get(0) & 0xff) << 16 | (h.get(1) & 0xff) << 8 | (h.get(2) & 0xff);
                    rawFrames.add(new RawFrame(length, h.get(3) & 0xff, h.get(4) & 0xff, h.getInt(5) & 0x7fffffff));
                    rawSkip = length;
                }
            }
        }

        /** Records the decoder's callbacks as values; header blocks are decoded at once, in order. */
        private final class Recorder implements FrameHandler {
            @Override
            public void data(int streamId, boolean endStream, ByteBuffer data, int flowControlledLength) {
                received.add(new Frame.Data(streamId, endStream, copy(data), flowControlledLength));
            }

            @Override
            public void headers(int streamId, boolean endStream, Frame.PrioritySpec priority, ByteBuffer block)
                    throws HttpProtocolException {
                try {
                    received.add(new Headers(streamId, endStream, hpack.decode(streamId, block)));
                } catch (Http2StreamException e) {
                    received.add(new StreamError(streamId, e.errorCode()));
                }
            }

            @Override
            public void priority(int streamId, Frame.PrioritySpec priority) {
                received.add(new Frame.Priority(streamId, priority));
            }

            @Override
            public void rstStream(int streamId, int errorCode) {
                received.add(new Frame.RstStream(streamId, errorCode));
            }

            @Override
            public void settings(boolean ack, Settings settings) {
                received.add(new Frame.Settings(ack, settings));
            }

            @Override
            public void pushPromise(int streamId, int promisedStreamId, ByteBuffer headerBlock) {
                received.add(new Frame.PushPromise(streamId, promisedStreamId, true, copy(headerBlock)));
            }

            @Override
            public void ping(boolean ack, long payload) {
                received.add(new Frame.Ping(ack, payload));
            }

            @Override
            public void goAway(int lastStreamId, int errorCode, ByteBuffer debugData) {
                received.add(new Frame.GoAway(lastStreamId, errorCode, copy(debugData)));
            }

            @Override
            public void windowUpdate(int streamId, int increment) {
                received.add(new Frame.WindowUpdate(streamId, increment));
            }

            @Override
            public void streamError(Http2StreamException error) {
                received.add(new StreamError(error.streamId(), error.errorCode()));
            }

            private byte[] copy(ByteBuffer b) {
                byte[] out = new byte[b.remaining()];
                b.duplicate().get(out);
                return out;
            }
        }
    }

    /** The text of a GOAWAY's debug data. */
    public static String debugText(Frame.GoAway goAway) {
        return new String(goAway.debugData(), StandardCharsets.UTF_8);
    }

    /** {@code n} bytes of {@code b}, for building payloads. */
    public static byte[] repeat(byte b, int n) {
        byte[] out = new byte[n];
        Arrays.fill(out, b);
        return out;
    }
}

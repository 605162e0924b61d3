package dev.finch.codec.http1;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.codec.http1.RecordingHandler.Done;
import dev.finch.codec.http1.RecordingHandler.Event;
import dev.finch.http.HttpProtocolException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The decoder must not care where its input is cut: every response of the corpus, split anywhere, in heap or direct
 * buffers, gives the same events (adjacent data merged) as the whole response in one call, and malformed input fails
 * with the same error after the same events.
 */
class Http1DecoderSplitTest {
    private static final Http1Limits SMALL = new Http1Limits(128, 8, 40, 24, 3);

    /** Bytes of one or more responses, the requests they answer, and the decoder limits. */
    record Case(String name, Http1Limits limits, List<String> methods, byte[] bytes) {
        static Case of(String name, String latin1, String... methods) {
            return of(name, Http1Limits.DEFAULTS, latin1, methods);
        }

        static Case of(String name, Http1Limits limits, String latin1, String... methods) {
            return new Case(name, limits, List.of(methods), latin1.getBytes(StandardCharsets.ISO_8859_1));
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** What a decoding run reported: its events, then its error ({@code reason: detail}) or null. */
    record Outcome(List<Event> events, String error) {}

    static Stream<Case> wellFormed() {
        return Stream.of(
                Case.of("content-length", "HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\nhello world!", "GET"),
                Case.of(
                        "many headers and obs-fold",
                        "HTTP/1.1 200 OK\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\nServer: test\r\n"
                                + "Content-Type: text/html; charset=utf-8\r\nX-Folded: one\r\n  two\r\n\tthree\r\n"
                                + "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 5\r\n\r\n<p/>\n",
                        "GET"),
                Case.of(
                        "chunked with extensions and trailers",
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
                                + "4;a=b\r\nWiki\r\n5 ; q=\"x;y\"\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n"
                                + "0;end\r\nX-Sum: abc\r\nServer-Timing: total;dur=1\r\n\r\n",
                        "GET"),
                Case.of(
                        "chunked, upper-case hex and leading zeros",
                        "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, Chunked\r\n\r\n000A\r\n0123456789\r\n"
                                + "1\r\n\r\r\n1\r\n\n\r\n00\r\n\r\n",
                        "GET"),
                Case.of(
                        "100 continue then final",
                        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nLocation: /x\r\nContent-Length: 2\r\n\r\nok",
                        "POST"),
                Case.of(
                        "103 and 100 then chunked final",
                        "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n"
                                + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                        "POST"),
                Case.of("HEAD with content-length", "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", "HEAD"),
                Case.of("204", "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n", "DELETE"),
                Case.of(
                        "304",
                        "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nTransfer-Encoding: chunked\r\n\r\n",
                        "GET"),
                Case.of(
                        "pipelined",
                        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"
                                + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\nx: y\r\n\r\n"
                                + "HTTP/1.1 204 No Content\r\n\r\n"
                                + "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
                                + "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfour",
                        "GET",
                        "GET",
                        "GET",
                        "HEAD",
                        "GET"),
                Case.of("close-delimited", "HTTP/1.1 200 OK\r\nServer: x\r\n\r\nread me until the end", "GET"),
                Case.of(
                        "HTTP/1.0 keep-alive",
                        "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nabc"
                                + "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\ndef",
                        "GET",
                        "GET"),
                Case.of("HTTP/1.0 close-delimited", "HTTP/1.0 200 OK\r\n\r\nuntil close", "GET"),
                Case.of(
                        "connection close with bytes after",
                        "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nokGARBAGE AFTER",
                        "GET",
                        "GET"),
                Case.of(
                        "101 switching protocols",
                        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                                + "\u0081\u0005hello",
                        "GET"),
                Case.of(
                        "CONNECT tunnel",
                        "HTTP/1.1 200 Connection established\r\n\r\n\u0016\u0003\u0001\u0002\u0000",
                        "CONNECT"),
                Case.of(
                        "transfer-encoding not ending in chunked",
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n\u001f\u008b\u0008rest",
                        "GET"),
                Case.of("no reason phrase", "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nx", "GET"),
                Case.of(
                        "binary body that looks like framing",
                        "HTTP/1.1 200 OK\r\nX-Name: Andr\u00e9\r\nContent-Length: 17\r\n\r\n\r\n0\r\n\r\n\u0000\u00ffHTTP/1.1",
                        "GET"),
                Case.of(
                        "chunk data that looks like framing",
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nB\r\n0\r\n\r\nHTTP/1\r\n0\r\n\r\n",
                        "GET"),
                Case.of(
                        "zero content-length then HEAD",
                        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                        "GET",
                        "HEAD"));
    }

    static Stream<Case> malformed() {
        return Stream.of(
                Case.of("bare LF in headers", "HTTP/1.1 200 OK\r\nServer: x\nContent-Length: 0\r\n\r\n", "GET"),
                Case.of(
                        "differing content-lengths",
                        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                        "GET"),
                Case.of(
                        "transfer-encoding and content-length",
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                        "GET"),
                Case.of(
                        "missing CRLF after chunk",
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n",
                        "GET"),
                Case.of("status line too long", SMALL, "HTTP/1.1 200 " + "x".repeat(40) + "\r\n\r\n", "GET"),
                Case.of(
                        "header section too large",
                        SMALL,
                        "HTTP/1.1 200 OK\r\n" + "x-header: 0123456789abcdef\r\n".repeat(6) + "\r\n",
                        "GET"),
                Case.of("too many headers", SMALL, "HTTP/1.1 200 OK\r\n" + "a: b\r\n".repeat(9) + "\r\n", "GET"),
                Case.of(
                        "chunk size overflow",
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n10000000000000000\r\n",
                        "GET"),
                Case.of(
                        "chunk-size line too long",
                        SMALL,
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;" + "e".repeat(30) + "\r\nabc\r\n",
                        "GET"),
                Case.of(
                        "bare CR in trailer",
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nx: a\rb\r\n\r\n",
                        "GET"),
                Case.of(
                        "unexpected data after response",
                        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 200 OK\r\n\r\n",
                        "GET"),
                Case.of("too many interim responses", SMALL, "HTTP/1.1 100 Continue\r\n\r\n".repeat(4), "GET"),
                Case.of("truncated body", "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nonly a part", "GET"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wellFormed")
    void decodesIdenticallyWhenSplitAtEveryByteBoundary(Case c) {
        Outcome whole = run(c, new int[0], false);
        assertThat(whole.error()).as("the corpus is well-formed").isNull();
        assertThat(whole.events()).last().isInstanceOf(Done.class);

        for (int cut = 1; cut < c.bytes().length; cut++) {
            assertThat(run(c, new int[] {cut}, cut % 2 == 0))
                    .as("split at %d", cut)
                    .isEqualTo(whole);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wellFormed")
    void decodesIdenticallyOneByteAtATime(Case c) {
        Outcome whole = run(c, new int[0], false);

        assertThat(run(c, IntStream.range(1, c.bytes().length).toArray(), false))
                .isEqualTo(whole);
        assertThat(run(c, IntStream.range(1, c.bytes().length).toArray(), true)).isEqualTo(whole);
    }

    @Test
    void decodesIdenticallyWhenSplitAtRandomBoundaries() {
        List<Case> corpus = wellFormed().toList();
        Random random = new Random(20240917L);

        for (int iteration = 0; iteration < 600; iteration++) {
            Case c = corpus.get(random.nextInt(corpus.size()));
            int[] cuts = randomCuts(random, c.bytes().length);
            assertThat(run(c, cuts, random.nextBoolean()))
                    .as("%s split at %s", c, Arrays.toString(cuts))
                    .isEqualTo(run(c, new int[0], false));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void failsIdenticallyWhenSplit(Case c) {
        Outcome whole = run(c, new int[0], false);
        assertThat(whole.error()).as("the input is malformed").isNotNull();

        for (int cut = 1; cut < c.bytes().length; cut++) {
            assertThat(run(c, new int[] {cut}, cut % 2 == 1))
                    .as("split at %d", cut)
                    .isEqualTo(whole);
        }
        assertThat(run(c, IntStream.range(1, c.bytes().length).toArray(), true)).isEqualTo(whole);
        Random random = new Random(c.name().hashCode());
        for (int iteration = 0; iteration < 50; iteration++) {
            int[] cuts = randomCuts(random, c.bytes().length);
            assertThat(run(c, cuts, random.nextBoolean()))
                    .as("split at %s", Arrays.toString(cuts))
                    .isEqualTo(whole);
        }
    }

    /** One to ten sorted cut points in {@code [0, length]}, repeats allowed (empty pieces must be harmless too). */
    private static int[] randomCuts(Random random, int length) {
        int[] cuts = new int[1 + random.nextInt(10)];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = random.nextInt(length + 1);
        }
        Arrays.sort(cuts);
        return cuts;
    }

    /**
     * Decodes the case in pieces cut at {@code cuts}, then ends the input. Each piece is a fresh copy, at an offset
     * inside a larger buffer (heap or direct), so nothing depends on the position being 0 or on earlier pieces
     * staying intact.
     */
    private static Outcome run(Case c, int[] cuts, boolean direct) {
        Http1Decoder decoder = new Http1Decoder(c.limits());
        c.methods().forEach(decoder::expectResponse);
        RecordingHandler handler = new RecordingHandler();
        try {
            int from = 0;
            for (int i = 0; i <= cuts.length; i++) {
                int to = i < cuts.length ? cuts[i] : c.bytes().length;
                decoder.decode(piece(c.bytes(), from, to, direct), handler);
                from = to;
            }
            decoder.endOfInput(handler);
            return new Outcome(List.copyOf(handler.events()), null);
        } catch (HttpProtocolException e) {
            return new Outcome(List.copyOf(handler.events()), e.reason() + ": " + e.detail());
        }
    }

    private static ByteBuffer piece(byte[] bytes, int from, int to, boolean direct) {
        int length = to - from;
        ByteBuffer backing = direct ? ByteBuffer.allocateDirect(length + 6) : ByteBuffer.allocate(length + 6);
        backing.put(new byte[] {'#', '#', '#'}).put(bytes, from, length).put(new byte[] {'#', '#', '#'});
        return backing.position(3).limit(3 + length).slice();
    }
}

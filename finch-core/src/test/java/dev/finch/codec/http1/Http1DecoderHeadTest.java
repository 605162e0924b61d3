package dev.finch.codec.http1;

import static dev.finch.codec.http1.DecoderFixture.bytes;
import static dev.finch.codec.http1.DecoderFixture.failure;
import static dev.finch.codec.http1.RecordingHandler.headers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.codec.http1.RecordingHandler.Data;
import dev.finch.codec.http1.RecordingHandler.Done;
import dev.finch.codec.http1.RecordingHandler.Headers;
import dev.finch.codec.http1.RecordingHandler.Status;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.HttpProtocolException.Reason;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The status line and the header section (RFC 9112 §4, §5). */
class Http1DecoderHeadTest {
    private static final Http1Limits SMALL = new Http1Limits(64, 4, 32, 16, 2);

    @Test
    void decodesStatusHeadersAndBody() throws Exception {
        var f = new DecoderFixture("GET")
                .feed("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello");

        assertThat(f.events())
                .containsExactly(
                        new Status(200),
                        headers("content-type", "text/plain", "content-length", "5"),
                        new Data("hello"),
                        new Done(true));
    }

    @Test
    void acceptsHttp10StatusLine() throws Exception {
        var f = new DecoderFixture("GET").feed("HTTP/1.0 404 Not Found\r\ncontent-length: 0\r\n\r\n");

        assertThat(f.events()).containsExactly(new Status(404), headers("content-length", "0"), new Done(false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.1 204\r\n", "HTTP/1.1 204 \r\n"})
    void toleratesMissingReasonPhrase(String statusLine) throws Exception {
        var f = new DecoderFixture("GET").feed(statusLine + "\r\n");

        assertThat(f.events()).containsExactly(new Status(204), new Headers(HttpHeaders.EMPTY), new Done(true));
    }

    @Test
    void acceptsTabAndObsTextInReasonPhrase() throws Exception {
        var f = new DecoderFixture("GET").feed("HTTP/1.1 200 Tr\u00e8s\tbien\r\n\r\n");

        assertThat(f.events()).startsWith(new Status(200));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "HTTP/1.2 200 OK",
                "HTTP/2.0 200 OK",
                "HTTP/2 200 OK",
                "http/1.1 200 OK",
                "HTTP/1.1  200 OK",
                "ICY 200 OK",
                "<html>",
                ""
            })
    void rejectsOtherVersionsAndGarbage(String statusLine) {
        var f = new DecoderFixture("GET");

        var e = failure(() -> f.feed(statusLine + "\r\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_STATUS_LINE);
        assertThat(f.events()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"099", "000", "20", "2000", "2x0", "-20", "20 "})
    void rejectsStatusCodeThatIsNotThreeDigitsFrom100To999(String code) {
        var f = new DecoderFixture("GET");

        var e = failure(() -> f.feed("HTTP/1.1 " + code + " OK\r\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_STATUS_LINE);
    }

    @Test
    void acceptsStatusCode999() throws Exception {
        var f = new DecoderFixture("GET").feed("HTTP/1.1 999 Whatever\r\ncontent-length: 0\r\n\r\n");

        assertThat(f.events()).startsWith(new Status(999));
    }

    @Test
    void rejectsControlCharacterInReasonPhrase() {
        var e = failure(() -> new DecoderFixture("GET").feed("HTTP/1.1 200 O\u0000K\r\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_STATUS_LINE);
        assertThat(e.detail()).contains("0x00", "offset 14");
    }

    @Test
    void rejectsBareCrInStatusLine() {
        var e = failure(() -> new DecoderFixture("GET").feed("HTTP/1.1 200 O\rK\r\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_STATUS_LINE);
        assertThat(e.detail()).contains("bare CR");
    }

    @Test
    void rejectsBareLfAfterStatusLine() {
        var e = failure(() -> new DecoderFixture("GET").feed("HTTP/1.1 200 OK\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_STATUS_LINE);
        assertThat(e.detail()).contains("bare LF");
    }

    @Test
    void rejectsStatusLineLongerThanLimit() {
        String line = "HTTP/1.1 200 " + "x".repeat(32 - 13 + 1); // 33 bytes, the limit is 32
        var e = failure(() -> new DecoderFixture(SMALL, "GET").feed(line + "\r\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.STATUS_LINE_TOO_LONG);
        assertThat(e.detail()).contains("32");
    }

    @Test
    void acceptsStatusLineExactlyAtLimit() throws Exception {
        String line = "HTTP/1.1 200 " + "x".repeat(32 - 13);
        var f = new DecoderFixture(SMALL, "GET").feed(line + "\r\n\r\n");

        assertThat(f.events()).startsWith(new Status(200));
    }

    @Test
    void stopsEndlessStatusLineAtTheLimit() throws Exception {
        var f = new DecoderFixture(SMALL, "GET").feed("HTTP/1.1 200 ");

        // No LF ever comes; the decoder must give up after the limit, not buffer on.
        var e = failure(() -> {
            for (int i = 0; i < 1000; i++) {
                f.feed("xxxxxxxx");
            }
        });

        assertThat(e.reason()).isEqualTo(Reason.STATUS_LINE_TOO_LONG);
    }

    @Test
    void lowercasesHeaderNames() throws Exception {
        var f = new DecoderFixture("GET").feed("HTTP/1.1 204 No Content\r\nX-Request-ID: 7\r\nETAG: \"a\"\r\n\r\n");

        assertThat(f.events()).contains(headers("x-request-id", "7", "etag", "\"a\""));
    }

    @Test
    void sharesOneStringForCommonHeaderNames() throws Exception {
        var f = new DecoderFixture("GET")
                .feed("HTTP/1.1 204 No Content\r\nContent-Type: a\r\nx-custom-thing: b\r\n\r\n");

        HttpHeaders h = ((Headers) f.events().get(1)).headers();
        assertThat(h.name(0)).isSameAs("content-type");
        assertThat(h.name(1)).isEqualTo("x-custom-thing");
    }

    @Test
    void trimsWhitespaceAroundHeaderValues() throws Exception {
        var f = new DecoderFixture("GET").feed("HTTP/1.1 204 No Content\r\na: \t one two \t\r\nb:x\r\nc:   \r\n\r\n");

        assertThat(f.events()).contains(headers("a", "one two", "b", "x", "c", ""));
    }

    @Test
    void decodesObsTextInHeaderValueAsLatin1() throws Exception {
        var f = new DecoderFixture("GET").feed("HTTP/1.1 204 No Content\r\nx-name: Andr\u00e9\u00ff\r\n\r\n");

        assertThat(f.events()).contains(headers("x-name", "Andr\u00e9\u00ff"));
    }

    @Test
    void keepsRepeatedHeaderFieldsInOrder() throws Exception {
        var f = new DecoderFixture("GET")
                .feed("HTTP/1.1 204 No Content\r\nset-cookie: a=1\r\nvary: x\r\nSet-Cookie: b=2\r\n\r\n");

        assertThat(f.events()).contains(headers("set-cookie", "a=1", "vary", "x", "set-cookie", "b=2"));
    }

    @Test
    void replacesObsFoldWithOneSpace() throws Exception {
        var f = new DecoderFixture("GET")
                .feed("HTTP/1.1 204 No Content\r\nx-long: first  \r\n \t second\r\n\tthird\r\nnext: 1\r\n\r\n");

        assertThat(f.events()).contains(headers("x-long", "first second third", "next", "1"));
    }

    @Test
    void rejectsObsFoldBeforeTheFirstHeader() {
        var e = failure(() -> new DecoderFixture("GET").feed("HTTP/1.1 200 OK\r\n folded: x\r\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER);
    }

    @Test
    void rejectsWhitespaceBetweenHeaderNameAndColon() {
        var e = failure(() -> new DecoderFixture("GET").feed("HTTP/1.1 200 OK\r\ncontent-length : 5\r\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER);
        assertThat(e.detail()).contains("whitespace before the colon");
    }

    @Test
    void rejectsHeaderLineWithoutColon() {
        var e = failure(() -> new DecoderFixture("GET").feed("HTTP/1.1 200 OK\r\nno-colon-here\r\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER);
        assertThat(e.detail()).contains("without a colon", "no-colon-here");
    }

    @Test
    void rejectsEmptyHeaderName() {
        var e = failure(() -> new DecoderFixture("GET").feed("HTTP/1.1 200 OK\r\n: value\r\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER);
        assertThat(e.detail()).contains("empty field name");
    }

    @ParameterizedTest
    @ValueSource(strings = {"x(y", "x/y", "x\"y", "x@y", "x\u00e9y", "x\u0000y"})
    void rejectsNonTokenCharacterInHeaderName(String name) {
        var e = failure(() -> new DecoderFixture("GET").feed("HTTP/1.1 200 OK\r\n" + name + ": v\r\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER);
        assertThat(e.detail()).contains("offset 1 of a field name");
    }

    @Test
    void rejectsNulInHeaderValue() {
        var e = failure(() -> new DecoderFixture("GET").feed("HTTP/1.1 200 OK\r\nx-a: b\u0000c\r\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER);
        assertThat(e.detail()).contains("0x00 (NUL)", "x-a");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u0001", "\u001f", "\u007f", "\u000b"})
    void rejectsControlCharacterInHeaderValue(String control) {
        var e = failure(() -> new DecoderFixture("GET").feed("HTTP/1.1 200 OK\r\nx-a: b" + control + "\r\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER);
    }

    @Test
    void rejectsBareCrInHeaderValue() {
        var e = failure(() -> new DecoderFixture("GET").feed("HTTP/1.1 200 OK\r\nx-a: b\rc\r\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER);
        assertThat(e.detail()).contains("bare CR");
    }

    @Test
    void rejectsBareLfInHeaderSection() {
        var e = failure(() -> new DecoderFixture("GET").feed("HTTP/1.1 200 OK\r\nx-a: b\nx-b: c\r\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER);
        assertThat(e.detail()).contains("bare LF");
    }

    @Test
    void rejectsBareLfEndingHeaderSection() {
        var e = failure(() -> new DecoderFixture("GET").feed("HTTP/1.1 200 OK\r\nx-a: b\r\n\n"));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER);
    }

    @Test
    void rejectsHeaderSectionLargerThanLimit() {
        // 64 bytes of field lines allowed: 6 lines of "x-nn: 0123\r\n" (12 bytes each) are 72.
        StringBuilder head = new StringBuilder("HTTP/1.1 200 OK\r\n");
        for (int i = 0; i < 6; i++) {
            head.append("x-").append(i).append("0: 0123\r\n");
        }
        var e = failure(() -> new DecoderFixture(new Http1Limits(64, 100, 100, 100, 2), "GET").feed(head + "\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.MAX_HEADER_LIST_SIZE_EXCEEDED);
        assertThat(e.detail()).contains("64 bytes");
    }

    @Test
    void acceptsHeaderSectionExactlyAtLimit() throws Exception {
        // Field lines of exactly 64 bytes (CRLFs included); the empty line that ends the section is not counted.
        String fields = "a: " + "v".repeat(64 - 5) + "\r\n";
        var f = new DecoderFixture(new Http1Limits(64, 100, 100, 100, 2), "GET")
                .feed("HTTP/1.1 204 No Content\r\n" + fields + "\r\n");

        assertThat(f.events()).endsWith(new Done(true));
    }

    @Test
    void stopsEndlessHeaderLineAtTheLimit() throws Exception {
        var f = new DecoderFixture(SMALL, "GET").feed("HTTP/1.1 200 OK\r\nx-endless: ");

        var e = failure(() -> {
            for (int i = 0; i < 1000; i++) {
                f.feed("aaaaaaaa");
            }
        });

        assertThat(e.reason()).isEqualTo(Reason.MAX_HEADER_LIST_SIZE_EXCEEDED);
        assertThat(f.events()).containsExactly(new Status(200));
    }

    @Test
    void rejectsMoreHeadersThanLimit() {
        var e = failure(() -> new DecoderFixture(SMALL, "GET")
                .feed("HTTP/1.1 200 OK\r\na: 1\r\nb: 2\r\nc: 3\r\nd: 4\r\ne: 5\r\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.TOO_MANY_HEADERS);
        assertThat(e.detail()).contains("more than 4");
    }

    @Test
    void acceptsExactlyTheMaximumHeaderCount() throws Exception {
        var f = new DecoderFixture(SMALL, "GET")
                .feed("HTTP/1.1 204 No Content\r\na: 1\r\nb: 2\r\nc: 3\r\nd: 4\r\n\r\n");

        assertThat(f.events()).endsWith(new Done(true));
    }

    @Test
    void decodesFromDirectAndReadOnlyBuffers() throws Exception {
        String response = "HTTP/1.1 200 OK\r\nServer: x\r\nx-v: caf\u00e9\r\ncontent-length: 3\r\n\r\nabc";
        ByteBuffer heap = bytes(response);
        ByteBuffer direct = ByteBuffer.allocateDirect(heap.remaining())
                .put(heap.duplicate())
                .flip();
        ByteBuffer readOnly = heap.asReadOnlyBuffer();

        for (ByteBuffer in : new ByteBuffer[] {heap, direct, readOnly}) {
            var f = new DecoderFixture("GET");
            f.decoder.decode(in, f.handler);
            assertThat(f.events())
                    .containsExactly(
                            new Status(200),
                            headers("server", "x", "x-v", "caf\u00e9", "content-length", "3"),
                            new Data("abc"),
                            new Done(true));
        }
    }

    @Test
    void decodesFromBufferWithNonZeroPositionAndArrayOffset() throws Exception {
        ByteBuffer backing = bytes("garbageHTTP/1.1 204 No Content\r\nx-a: b\r\n\r\ntrailing");
        ByteBuffer in = backing.position(7).slice().limit(backing.limit() - 7 - 8);
        var f = new DecoderFixture("GET");

        f.decoder.decode(in, f.handler);

        assertThat(f.events()).containsExactly(new Status(204), headers("x-a", "b"), new Done(true));
    }

    @Test
    void worksWithTheLargestLimits() throws Exception {
        int max = Integer.MAX_VALUE;
        var f = new DecoderFixture(new Http1Limits(max, max, max, max, max), "GET")
                .feed("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
                .feed("1\r\na\r\n0\r\nx: y\r\n\r\n");

        assertThat(f.events()).endsWith(new Data("a"), RecordingHandler.trailers("x", "y"), new Done(true));
    }

    @Test
    void exceptionCarriesReasonAndDetailInItsMessage() {
        HttpProtocolException e =
                failure(() -> new DecoderFixture("GET").feed("HTTP/1.1 200 OK\r\nx-a: \u0000\r\n\r\n"));

        assertThat(e.getMessage()).startsWith(Reason.INVALID_HEADER.text() + ": ");
    }
}

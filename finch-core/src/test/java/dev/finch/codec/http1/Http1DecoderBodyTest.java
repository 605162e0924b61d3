package dev.finch.codec.http1;

import static dev.finch.codec.http1.DecoderFixture.failure;
import static dev.finch.codec.http1.RecordingHandler.headers;
import static dev.finch.codec.http1.RecordingHandler.trailers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.codec.http1.RecordingHandler.Data;
import dev.finch.codec.http1.RecordingHandler.Done;
import dev.finch.codec.http1.RecordingHandler.Headers;
import dev.finch.codec.http1.RecordingHandler.Status;
import dev.finch.codec.http1.RecordingHandler.Trailers;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException.Reason;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Body framing (RFC 9112 §6.3) and the chunked coding (§7.1). */
class Http1DecoderBodyTest {
    private static final String OK = "HTTP/1.1 200 OK\r\n";

    @Test
    void emitsFixedLengthBodyAsItArrives() throws Exception {
        var f = new DecoderFixture("GET").feed(OK + "content-length: 10\r\n\r\nhello");

        assertThat(f.events()).containsExactly(new Status(200), headers("content-length", "10"), new Data("hello"));

        f.feed("world");
        assertThat(f.events()).endsWith(new Data("helloworld"), new Done(true));
        assertThat(f.handler.dataCalls()).isEqualTo(2);
    }

    @Test
    void endsZeroContentLengthResponseWithoutData() throws Exception {
        var f = new DecoderFixture("GET").feed(OK + "content-length: 0\r\n\r\n");

        assertThat(f.events()).containsExactly(new Status(200), headers("content-length", "0"), new Done(true));
    }

    @Test
    void countsEqualContentLengthsAsOne() throws Exception {
        var f = new DecoderFixture("GET").feed(OK + "content-length: 3\r\ncontent-length: 003\r\n\r\nabc");

        assertThat(f.events()).endsWith(new Data("abc"), new Done(true));
    }

    @Test
    void countsEqualContentLengthListAsOne() throws Exception {
        var f = new DecoderFixture("GET").feed(OK + "content-length: 3 ,3,\t3\r\n\r\nabc");

        assertThat(f.events()).endsWith(new Data("abc"), new Done(true));
    }

    @Test
    void rejectsDifferingContentLengths() {
        var e = failure(
                () -> new DecoderFixture("GET").feed(OK + "content-length: 3\r\ncontent-length: 4\r\n\r\nabcd"));

        assertThat(e.reason()).isEqualTo(Reason.MORE_THAN_ONE_CONTENT_LENGTH);
        assertThat(e.detail()).contains("3 and 4");
    }

    @Test
    void rejectsDifferingContentLengthsInOneList() {
        var e = failure(() -> new DecoderFixture("GET").feed(OK + "content-length: 3, 4\r\n\r\nabcd"));

        assertThat(e.reason()).isEqualTo(Reason.MORE_THAN_ONE_CONTENT_LENGTH);
    }

    @ParameterizedTest
    @ValueSource(strings = {"+5", "-5", "5 5", "0x5", "5.0", "five", "", "5,", ",5", "9223372036854775808"})
    void rejectsContentLengthThatIsNotDigits(String value) {
        var e = failure(() -> new DecoderFixture("GET").feed(OK + "content-length: " + value + "\r\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_CONTENT_LENGTH);
    }

    @Test
    void acceptsLargestContentLength() throws Exception {
        var f = new DecoderFixture("GET").feed(OK + "content-length: 9223372036854775807\r\n\r\nab");

        assertThat(f.events()).endsWith(new Data("ab"));
    }

    @Test
    void rejectsTransferEncodingWithContentLength() {
        var f = new DecoderFixture("GET");

        var e = failure(
                () -> f.feed(OK + "content-length: 5\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.TRANSFER_ENCODING_AND_CONTENT_LENGTH);
        assertThat(e.detail()).contains("chunked");
        assertThat(f.events()).hasSize(2); // status and headers, no data
    }

    @Test
    void decodesChunkedBody() throws Exception {
        var f = new DecoderFixture("GET")
                .feed(OK + "transfer-encoding: chunked\r\n\r\n5\r\nhello\r\n1A\r\n"
                        + "abcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n");

        assertThat(f.events())
                .containsExactly(
                        new Status(200),
                        headers("transfer-encoding", "chunked"),
                        new Data("helloabcdefghijklmnopqrstuvwxyz"),
                        new Done(true));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Chunked", "gzip, chunked", "gzip,chunked ", "CHUNKED", "chunked,", "gzip, chunked , ,"})
    void usesChunkedWhenItIsTheFinalCoding(String value) throws Exception {
        var f = new DecoderFixture("GET").feed(OK + "transfer-encoding: " + value + "\r\n\r\n2\r\nab\r\n0\r\n\r\n");

        assertThat(f.events()).endsWith(new Data("ab"), new Done(true));
    }

    @Test
    void ignoresEmptyTransferEncodingFieldWhenFindingTheFinalCoding() throws Exception {
        var f = new DecoderFixture("GET")
                .feed(OK + "transfer-encoding: chunked\r\ntransfer-encoding: ,\r\n\r\n2\r\nab\r\n0\r\n\r\n");

        assertThat(f.events()).endsWith(new Data("ab"), new Done(true));
    }

    @Test
    void readsUntilCloseWhenTransferEncodingHasNoCoding() throws Exception {
        var f = new DecoderFixture("GET")
                .feed(OK + "transfer-encoding: \r\n\r\nbody")
                .close();

        assertThat(f.events()).endsWith(new Data("body"), new Done(false));
    }

    @Test
    void usesLastTransferEncodingFieldForTheFinalCoding() throws Exception {
        var f = new DecoderFixture("GET")
                .feed(OK + "transfer-encoding: gzip\r\ntransfer-encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n");

        assertThat(f.events()).endsWith(new Data("ab"), new Done(true));
    }

    @ParameterizedTest
    @ValueSource(strings = {"chunked, gzip", "gzip", "identity", "xchunked"})
    void readsUntilCloseWhenChunkedIsNotTheFinalCoding(String value) throws Exception {
        var f = new DecoderFixture("GET").feed(OK + "transfer-encoding: " + value + "\r\n\r\n2\r\nab\r\n0\r\n\r\n");

        assertThat(f.events()).endsWith(new Data("2\r\nab\r\n0\r\n\r\n"));
        f.close();
        assertThat(f.events()).endsWith(new Done(false));
    }

    @Test
    void readsUntilCloseWithoutFramingFields() throws Exception {
        var f = new DecoderFixture("GET").feed(OK + "server: x\r\n\r\nsome ").feed("bytes");

        assertThat(f.decoder.inResponse()).isTrue();
        f.close();

        assertThat(f.events())
                .containsExactly(new Status(200), headers("server", "x"), new Data("some bytes"), new Done(false));
    }

    @Test
    void emitsPartialChunkDataAsItArrives() throws Exception {
        var f = new DecoderFixture("GET").feed(OK + "transfer-encoding: chunked\r\n\r\n10\r\nabc");

        assertThat(f.events()).endsWith(new Data("abc"));
        f.feed("defgh");
        assertThat(f.events()).endsWith(new Data("abcdefgh"));
        assertThat(f.handler.dataCalls()).isEqualTo(2);
    }

    @Test
    void handsChunkDataOverAsViewsOfTheInput() throws Exception {
        var decoder = new Http1Decoder(Http1Limits.DEFAULTS);
        decoder.expectResponse("GET");
        ByteBuffer in = DecoderFixture.bytes(OK + "transfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
        List<ByteBuffer> seen = new ArrayList<>();

        decoder.decode(in, new Http1ResponseHandler() {
            @Override
            public void status(int code) {}

            @Override
            public void headers(HttpHeaders headers) {}

            @Override
            public void data(ByteBuffer data) {
                seen.add(data);
            }

            @Override
            public void trailers(HttpHeaders trailers) {}

            @Override
            public void done(boolean keepAlive) {}
        });

        assertThat(seen).hasSize(1);
        assertThat(seen.get(0).array()).isSameAs(in.array());
        assertThat(seen.get(0).arrayOffset() + seen.get(0).position())
                .isEqualTo(in.array().length - "abc\r\n0\r\n\r\n".length());
    }

    @Test
    void ignoresChunkExtensions() throws Exception {
        var f = new DecoderFixture("GET")
                .feed(OK + "transfer-encoding: chunked\r\n\r\n"
                        + "3;name=value;flag\r\nabc\r\n2 ; q=\"quoted; still\"\r\nde\r\n0;last\r\n\r\n");

        assertThat(f.events()).endsWith(new Data("abcde"), new Done(true));
    }

    @Test
    void toleratesLeadingZerosAndTrailingWhitespaceInChunkSize() throws Exception {
        var f = new DecoderFixture("GET").feed(OK + "transfer-encoding: chunked\r\n\r\n0003 \t\r\nabc\r\n000\r\n\r\n");

        assertThat(f.events()).endsWith(new Data("abc"), new Done(true));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-3", "+3", "0x3", "", " 3", "3x", "g", "3\u0000", "3;ext\u0001"})
    void rejectsInvalidChunkSize(String line) {
        var e = failure(() -> new DecoderFixture("GET")
                .feed(OK + "transfer-encoding: chunked\r\n\r\n" + line + "\r\nabc\r\n0\r\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_CHUNK_SIZE);
    }

    @Test
    void rejectsChunkSizeThatOverflowsLong() {
        var e = failure(
                () -> new DecoderFixture("GET").feed(OK + "transfer-encoding: chunked\r\n\r\n8000000000000000\r\nabc"));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_CHUNK_SIZE);
        assertThat(e.detail()).contains("overflows");
    }

    @Test
    void acceptsLargestChunkSize() throws Exception {
        var f = new DecoderFixture("GET").feed(OK + "transfer-encoding: chunked\r\n\r\n7fffffffffffffff\r\nabc");

        assertThat(f.events()).endsWith(new Data("abc"));
    }

    @Test
    void rejectsChunkSizeLineLongerThanLimit() {
        var limits = new Http1Limits(1024, 10, 100, 16, 2);
        var e = failure(() -> new DecoderFixture(limits, "GET")
                .feed(OK + "transfer-encoding: chunked\r\n\r\n3;" + "x".repeat(15) + "\r\nabc\r\n0\r\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_CHUNK_SIZE);
        assertThat(e.detail()).contains("exceeds the limit of 16");
    }

    @Test
    void acceptsChunkSizeLineExactlyAtLimit() throws Exception {
        var limits = new Http1Limits(1024, 10, 100, 16, 2);
        var f = new DecoderFixture(limits, "GET")
                .feed(OK + "transfer-encoding: chunked\r\n\r\n3;" + "x".repeat(14) + "\r\nabc\r\n0\r\n\r\n");

        assertThat(f.events()).endsWith(new Done(true));
    }

    @Test
    void rejectsBareLfAfterChunkSize() {
        var e = failure(
                () -> new DecoderFixture("GET").feed(OK + "transfer-encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_CHUNK_SIZE);
        assertThat(e.detail()).contains("bare LF");
    }

    @Test
    void rejectsBareCrInChunkSizeLine() {
        var e = failure(
                () -> new DecoderFixture("GET").feed(OK + "transfer-encoding: chunked\r\n\r\n3;a\rb\r\nabc\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_CHUNK_SIZE);
        assertThat(e.detail()).contains("bare CR");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abcX\r\n", "abc\n0\r\n", "abc\rX", "abc\r\r\n"})
    void rejectsChunkDataNotFollowedByCrlf(String rest) {
        var f = new DecoderFixture("GET");

        var e = failure(() -> f.feed(OK + "transfer-encoding: chunked\r\n\r\n3\r\n" + rest + "0\r\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.MISSING_CRLF_AFTER_CHUNK);
        assertThat(e.detail()).contains("after 3 bytes");
        assertThat(f.events()).endsWith(new Data("abc"));
    }

    @Test
    void decodesLowercasedTrailers() throws Exception {
        var f = new DecoderFixture("GET")
                .feed(OK + "transfer-encoding: chunked\r\ntrailer: x-checksum\r\n\r\n"
                        + "2\r\nab\r\n0\r\nX-Checksum: 123 \r\nServer-Timing: db;dur=5\r\n\r\n");

        assertThat(f.events())
                .containsExactly(
                        new Status(200),
                        headers("transfer-encoding", "chunked", "trailer", "x-checksum"),
                        new Data("ab"),
                        trailers("x-checksum", "123", "server-timing", "db;dur=5"),
                        new Done(true));
    }

    @Test
    void callsTrailersOnlyWhenThereAreSome() throws Exception {
        var f = new DecoderFixture("GET").feed(OK + "transfer-encoding: chunked\r\n\r\n0\r\n\r\n");

        assertThat(f.events()).noneMatch(e -> e instanceof Trailers);
        assertThat(f.events()).endsWith(new Done(true));
    }

    @Test
    void rejectsBareLfInTrailers() {
        var e = failure(
                () -> new DecoderFixture("GET").feed(OK + "transfer-encoding: chunked\r\n\r\n0\r\nx-a: 1\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_TRAILER);
        assertThat(e.detail()).contains("bare LF", "trailer section");
    }

    @Test
    void rejectsBareCrInTrailers() {
        var e = failure(
                () -> new DecoderFixture("GET").feed(OK + "transfer-encoding: chunked\r\n\r\n0\r\nx-a: 1\r2\r\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_TRAILER);
        assertThat(e.detail()).contains("bare CR", "x-a");
    }

    @Test
    void stopsEndlessChunkSizeLineAtTheLimit() throws Exception {
        var limits = new Http1Limits(1024, 10, 100, 16, 2);
        var f = new DecoderFixture(limits, "GET").feed(OK + "transfer-encoding: chunked\r\n\r\n5;ext=");

        var e = failure(() -> {
            for (int i = 0; i < 1000; i++) {
                f.feed("vvvv");
            }
        });

        assertThat(e.reason()).isEqualTo(Reason.INVALID_CHUNK_SIZE);
        assertThat(e.detail()).contains("limit of 16");
    }

    @Test
    void stopsEndlessTrailerLineAtTheLimit() throws Exception {
        var limits = new Http1Limits(64, 10, 100, 16, 2);
        var f = new DecoderFixture(limits, "GET").feed(OK + "transfer-encoding: chunked\r\n\r\n0\r\nx-endless: ");

        var e = failure(() -> {
            for (int i = 0; i < 1000; i++) {
                f.feed("vvvv");
            }
        });

        assertThat(e.reason()).isEqualTo(Reason.MAX_HEADER_LIST_SIZE_EXCEEDED);
        assertThat(e.detail()).contains("trailer section");
    }

    @Test
    void rejectsMalformedTrailer() {
        var e = failure(
                () -> new DecoderFixture("GET").feed(OK + "transfer-encoding: chunked\r\n\r\n0\r\nx-a 1\r\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_TRAILER);
    }

    @Test
    void rejectsNulInTrailerValue() {
        var e = failure(() ->
                new DecoderFixture("GET").feed(OK + "transfer-encoding: chunked\r\n\r\n0\r\nx-a: \u0000\r\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_TRAILER);
        assertThat(e.detail()).contains("x-a");
    }

    @Test
    void rejectsTrailerSectionLargerThanLimit() {
        var limits = new Http1Limits(32, 10, 100, 100, 2);
        var e = failure(() -> new DecoderFixture(limits, "GET")
                .feed(OK + "transfer-encoding: chunked\r\n\r\n0\r\nx-a: " + "v".repeat(40) + "\r\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.MAX_HEADER_LIST_SIZE_EXCEEDED);
        assertThat(e.detail()).contains("trailer section");
    }

    @Test
    void rejectsMoreTrailersThanLimit() {
        var limits = new Http1Limits(1024, 2, 100, 100, 2);
        var e = failure(() -> new DecoderFixture(limits, "GET")
                .feed(OK + "transfer-encoding: chunked\r\n\r\n0\r\na: 1\r\nb: 2\r\nc: 3\r\n\r\n"));

        assertThat(e.reason()).isEqualTo(Reason.TOO_MANY_HEADERS);
        assertThat(e.detail()).contains("trailer section");
    }

    @Test
    void limitsTrailersSeparatelyFromHeaders() throws Exception {
        // 30 bytes of field lines each: under the 32-byte limit apiece, over it together.
        var limits = new Http1Limits(32, 2, 100, 100, 2);
        String field = "x: " + "v".repeat(25) + "\r\n";
        var f = new DecoderFixture(limits, "GET")
                .feed("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\n" + field + "\r\n");

        assertThat(f.events()).endsWith(trailers("x", "v".repeat(25)), new Done(true));
    }

    @Test
    void hasNoBodyForHeadEvenWithContentLength() throws Exception {
        var f = new DecoderFixture("HEAD", "GET")
                .feed("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");

        assertThat(f.events())
                .containsExactly(
                        new Status(200),
                        headers("content-length", "100"),
                        new Done(true),
                        new Status(200),
                        headers("content-length", "2"),
                        new Data("ok"),
                        new Done(true));
    }

    @Test
    void hasNoBodyForHeadEvenWithChunked() throws Exception {
        var f = new DecoderFixture("HEAD").feed(OK + "transfer-encoding: chunked\r\n\r\n");

        assertThat(f.events()).endsWith(new Done(true));
    }

    @ParameterizedTest
    @ValueSource(ints = {204, 304})
    void hasNoBodyFor204And304(int status) throws Exception {
        var f = new DecoderFixture("GET", "GET")
                .feed("HTTP/1.1 " + status
                        + " X\r\ncontent-length: 7\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");

        assertThat(f.events())
                .containsExactly(
                        new Status(status),
                        headers("content-length", "7"),
                        new Done(true),
                        new Status(200),
                        headers("content-length", "0"),
                        new Done(true));
    }

    @Test
    void reportsInterimResponsesBeforeTheFinalOne() throws Exception {
        var f = new DecoderFixture("POST")
                .feed("HTTP/1.1 100 Continue\r\n\r\n"
                        + "HTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\n\r\n"
                        + "HTTP/1.1 100 Continue\r\n\r\n"
                        + "HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok");

        assertThat(f.events())
                .containsExactly(
                        new Status(100),
                        new Headers(HttpHeaders.EMPTY),
                        new Status(103),
                        headers("link", "</a.css>; rel=preload"),
                        new Status(100),
                        new Headers(HttpHeaders.EMPTY),
                        new Status(201),
                        headers("content-length", "2"),
                        new Data("ok"),
                        new Done(true));
        assertThat(f.decoder.pendingResponses()).isZero();
    }

    @Test
    void ignoresFramingFieldsOfInterimResponses() throws Exception {
        var f = new DecoderFixture("GET")
                .feed("HTTP/1.1 100 Continue\r\ncontent-length: 5\r\nconnection: close\r\n\r\n"
                        + "HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nx");

        assertThat(f.events()).endsWith(new Data("x"), new Done(true));
    }

    @Test
    void rejectsMoreInterimResponsesThanLimit() {
        var limits = new Http1Limits(1024, 10, 100, 100, 2);
        var f = new DecoderFixture(limits, "GET");

        var e = failure(() -> f.feed("HTTP/1.1 100 Continue\r\n\r\n".repeat(3)));

        assertThat(e.reason()).isEqualTo(Reason.TOO_MANY_INTERIM_RESPONSES);
        assertThat(e.detail()).contains("more than 2");
        assertThat(f.events()).hasSize(4);
    }

    @Test
    void countsInterimResponsesPerRequest() throws Exception {
        var limits = new Http1Limits(1024, 10, 100, 100, 2);
        String twoInterims = "HTTP/1.1 100 Continue\r\n\r\n".repeat(2) + "HTTP/1.1 204 No Content\r\n\r\n";
        var f = new DecoderFixture(limits, "GET", "GET").feed(twoInterims + twoInterims);

        assertThat(f.events()).filteredOn(e -> e instanceof Done).hasSize(2);
    }
}

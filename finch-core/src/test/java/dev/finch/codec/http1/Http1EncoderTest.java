package dev.finch.codec.http1;

import static dev.finch.codec.http1.DecoderFixture.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.codec.http1.Http1Encoder.BodyFraming;
import dev.finch.codec.http1.Http1Encoder.BodyShape;
import dev.finch.codec.http1.Http1Encoder.EncodedHead;
import dev.finch.codec.http1.Http1Encoder.Options;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.HttpProtocolException.Reason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The request head, chunk framing and trailers (RFC 9112 §3, §5, §7.1). */
class Http1EncoderTest {
    private static final Options NO_AGENT = new Options(false, true, null);

    private static EncodedHead encode(
            String method, String target, HttpHeaders headers, BodyShape body, Options options)
            throws HttpProtocolException {
        return Http1Encoder.encodeHead(method, target, headers, "example.com", body, options);
    }

    private static EncodedHead encode(String target, HttpHeaders headers, BodyShape body) throws HttpProtocolException {
        return encode("GET", target, headers, body, NO_AGENT);
    }

    private static String text(ByteBuffer b) {
        return StandardCharsets.ISO_8859_1.decode(b.duplicate()).toString();
    }

    private static HttpProtocolException refused(String method, String target, HttpHeaders headers, BodyShape body) {
        return failure(() -> encode(method, target, headers, body, NO_AGENT));
    }

    @Test
    void encodesRequestLineAndHeadersExactly() throws Exception {
        EncodedHead head =
                encode("GET", "/search?q=a%20b", HttpHeaders.of("Accept", "*/*"), BodyShape.NONE, Options.DEFAULTS);

        assertThat(text(head.bytes()))
                .isEqualTo("GET /search?q=a%20b HTTP/1.1\r\n"
                        + "host: example.com\r\n"
                        + "accept: */*\r\n"
                        + "user-agent: finch-java/0.1\r\n"
                        + "\r\n");
        assertThat(head.framing()).isEqualTo(BodyFraming.NONE);
        assertThat(head.contentLength()).isEqualTo(-1);
    }

    @Test
    void returnsOneHeapBufferHoldingExactlyTheHead() throws Exception {
        EncodedHead head = encode("/", HttpHeaders.EMPTY, BodyShape.NONE);

        assertThat(head.bytes().hasArray()).isTrue();
        assertThat(head.bytes().position()).isZero();
        assertThat(head.bytes().remaining()).isEqualTo(head.bytes().capacity());
        assertThat(text(head.bytes())).isEqualTo("GET / HTTP/1.1\r\nhost: example.com\r\n\r\n");
    }

    @Test
    void preservesHeaderCaseWhenAsked() throws Exception {
        EncodedHead head =
                encode("GET", "/", HttpHeaders.of("X-Trace-ID", "1"), BodyShape.NONE, new Options(true, true, null));

        assertThat(text(head.bytes())).contains("\r\nX-Trace-ID: 1\r\n");
    }

    @Test
    void lowercasesHeaderNamesByDefault() throws Exception {
        EncodedHead head = encode("/", HttpHeaders.of("X-Trace-ID", "1"), BodyShape.NONE);

        assertThat(text(head.bytes())).contains("\r\nx-trace-id: 1\r\n");
    }

    @Test
    void keepsTheCallersHostAndUserAgent() throws Exception {
        EncodedHead head = encode(
                "GET",
                "/",
                HttpHeaders.of("Host", "other.example", "User-Agent", "mine"),
                BodyShape.NONE,
                Options.DEFAULTS);

        assertThat(text(head.bytes())).isEqualTo("GET / HTTP/1.1\r\nhost: other.example\r\nuser-agent: mine\r\n\r\n");
    }

    @Test
    void addsContentLengthForKnownBody() throws Exception {
        EncodedHead head = encode("POST", "/", HttpHeaders.EMPTY, BodyShape.known(42), NO_AGENT);

        assertThat(text(head.bytes())).isEqualTo("POST / HTTP/1.1\r\nhost: example.com\r\ncontent-length: 42\r\n\r\n");
        assertThat(head.framing()).isEqualTo(BodyFraming.FIXED);
        assertThat(head.contentLength()).isEqualTo(42);
    }

    @Test
    void addsContentLengthZeroForEmptyKnownBody() throws Exception {
        EncodedHead head = encode("PUT", "/", HttpHeaders.EMPTY, BodyShape.known(0), NO_AGENT);

        assertThat(text(head.bytes())).endsWith("content-length: 0\r\n\r\n");
        assertThat(head.framing()).isEqualTo(BodyFraming.FIXED);
        assertThat(head.contentLength()).isZero();
    }

    @Test
    void addsChunkedTransferEncodingForStreamingBody() throws Exception {
        EncodedHead head = encode("POST", "/", HttpHeaders.EMPTY, BodyShape.STREAMING, NO_AGENT);

        assertThat(text(head.bytes()))
                .isEqualTo("POST / HTTP/1.1\r\nhost: example.com\r\ntransfer-encoding: chunked\r\n\r\n");
        assertThat(head.framing()).isEqualTo(BodyFraming.CHUNKED);
        assertThat(head.contentLength()).isEqualTo(-1);
    }

    @Test
    void usesCallerContentLengthForStreamingBody() throws Exception {
        EncodedHead head = encode("POST", "/", HttpHeaders.of("Content-Length", "1000"), BodyShape.STREAMING, NO_AGENT);

        assertThat(text(head.bytes()))
                .isEqualTo("POST / HTTP/1.1\r\nhost: example.com\r\ncontent-length: 1000\r\n\r\n");
        assertThat(head.framing()).isEqualTo(BodyFraming.FIXED);
        assertThat(head.contentLength()).isEqualTo(1000);
    }

    @Test
    void acceptsCallerContentLengthEqualToKnownBody() throws Exception {
        EncodedHead head = encode("POST", "/", HttpHeaders.of("content-length", "3"), BodyShape.known(3), NO_AGENT);

        assertThat(text(head.bytes())).isEqualTo("POST / HTTP/1.1\r\nhost: example.com\r\ncontent-length: 3\r\n\r\n");
        assertThat(head.framing()).isEqualTo(BodyFraming.FIXED);
    }

    @Test
    void refusesCallerContentLengthDifferentFromKnownBody() {
        var e = refused("POST", "/", HttpHeaders.of("content-length", "4"), BodyShape.known(3));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_CONTENT_LENGTH);
        assertThat(e.detail()).contains("4", "3 bytes");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " 3", "3 ", "+3", "-3", "3,3", "0x3", "three", "99999999999999999999"})
    void refusesContentLengthThatIsNotDigits(String value) {
        var e = refused("POST", "/", HttpHeaders.of("content-length", value), BodyShape.STREAMING);

        assertThat(e.reason()).isEqualTo(Reason.INVALID_CONTENT_LENGTH);
    }

    @Test
    void refusesContentLengthGivenTwice() {
        var e = refused("POST", "/", HttpHeaders.of("content-length", "3", "Content-Length", "3"), BodyShape.known(3));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_CONTENT_LENGTH);
    }

    @Test
    void refusesNonZeroContentLengthWithoutBody() {
        var e = refused("POST", "/", HttpHeaders.of("content-length", "5"), BodyShape.NONE);

        assertThat(e.reason()).isEqualTo(Reason.INVALID_CONTENT_LENGTH);
    }

    @Test
    void acceptsZeroContentLengthWithoutBody() throws Exception {
        EncodedHead head = encode("POST", "/", HttpHeaders.of("content-length", "0"), BodyShape.NONE, NO_AGENT);

        assertThat(text(head.bytes())).endsWith("content-length: 0\r\n\r\n");
        assertThat(head.framing()).isEqualTo(BodyFraming.NONE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"KNOWN", "STREAMING"})
    void leavesFramingToTheCallerWhoGivesTransferEncoding(String kind) throws Exception {
        BodyShape body =
                kind.equals("KNOWN") ? BodyShape.known(10) : kind.equals("NONE") ? BodyShape.NONE : BodyShape.STREAMING;

        EncodedHead head = encode("POST", "/", HttpHeaders.of("Transfer-Encoding", "gzip, chunked"), body, NO_AGENT);

        assertThat(text(head.bytes()))
                .isEqualTo("POST / HTTP/1.1\r\nhost: example.com\r\ntransfer-encoding: gzip, chunked\r\n\r\n");
        assertThat(head.framing()).isEqualTo(BodyFraming.RAW);
        assertThat(head.contentLength()).isEqualTo(-1);
    }

    @Test
    void refusesTransferEncodingWhoseFinalCodingIsNotChunked() {
        var e = refused("POST", "/", HttpHeaders.of("transfer-encoding", "chunked, gzip"), BodyShape.STREAMING);

        assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER_VALUE);
        assertThat(e.getMessage()).contains("final coding must be chunked");
    }

    @Test
    void refusesTransferEncodingWithoutABody() {
        var e = refused("POST", "/", HttpHeaders.of("transfer-encoding", "chunked"), BodyShape.NONE);

        assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER_VALUE);
    }

    @Test
    void refusesTransferEncodingWithContentLength() {
        var e = refused(
                "POST", "/", HttpHeaders.of("transfer-encoding", "chunked", "content-length", "3"), BodyShape.known(3));

        assertThat(e.reason()).isEqualTo(Reason.TRANSFER_ENCODING_AND_CONTENT_LENGTH);
    }

    @Test
    void addsNoContentLengthWithoutBody() throws Exception {
        EncodedHead head = encode("DELETE", "/x", HttpHeaders.EMPTY, BodyShape.NONE, NO_AGENT);

        assertThat(text(head.bytes())).doesNotContain("content-length", "transfer-encoding");
    }

    @Test
    void refusesNegativeKnownLength() {
        assertThatThrownBy(() -> BodyShape.known(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "GET /", "GE\tT", "G\r\nET", "GET\u0000", "G\u00c9T", "(GET)"})
    void refusesMethodThatIsNotAToken(String method) {
        var e = refused(method, "/", HttpHeaders.EMPTY, BodyShape.NONE);

        assertThat(e.reason()).isEqualTo(Reason.INVALID_METHOD);
        assertThat(e.detail()).doesNotContain("\r", "\n");
    }

    @Test
    void acceptsExtensionMethodTokens() throws Exception {
        EncodedHead head = encode("PROPFIND", "/", HttpHeaders.EMPTY, BodyShape.NONE, NO_AGENT);

        assertThat(text(head.bytes())).startsWith("PROPFIND / HTTP/1.1\r\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "x y", "x:y", "x\r\ny", "x\u0000", "caf\u00e9", "x\ty", "(x)"})
    void refusesHeaderNameThatIsNotAToken(String name) {
        var e = refused("GET", "/", HttpHeaders.of(name, "v"), BodyShape.NONE);

        assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER_NAME);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\r\nx-injected: 1", "a\rb", "a\nb", "\r\n"})
    void refusesCrLfInHeaderValue(String value) {
        var e = refused("GET", "/", HttpHeaders.of("x-token", value), BodyShape.NONE);

        assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER_VALUE);
        assertThat(e.detail()).contains("x-token").doesNotContain("injected");
    }

    @Test
    void refusesNulInHeaderValue() {
        var e = refused("GET", "/", HttpHeaders.of("x-secret", "s3cr3t\u0000"), BodyShape.NONE);

        assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER_VALUE);
        assertThat(e.detail()).contains("x-secret", "NUL", "index 6").doesNotContain("s3cr3t");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u0001", "\u001b", "\u007f", "\u000b", "\u000c"})
    void refusesOtherControlCharactersInHeaderValue(String control) {
        var e = refused("GET", "/", HttpHeaders.of("x-a", "v" + control), BodyShape.NONE);

        assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER_VALUE);
    }

    @Test
    void refusesCharacterOutsideLatin1InHeaderValue() {
        var e = refused("GET", "/", HttpHeaders.of("x-a", "\u20ac"), BodyShape.NONE);

        assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER_VALUE);
        assertThat(e.detail()).contains("ISO-8859-1");
    }

    @Test
    void sendsTabSpaceAndObsTextInHeaderValueAsLatin1() throws Exception {
        EncodedHead head = encode("/", HttpHeaders.of("x-a", "a\tb c\u00e9\u00ff", "x-empty", ""), BodyShape.NONE);

        byte[] bytes = new byte[head.bytes().remaining()];
        head.bytes().duplicate().get(bytes);
        assertThat(text(head.bytes())).contains("\r\nx-a: a\tb c\u00e9\u00ff\r\nx-empty: \r\n");
        assertThat(bytes).contains((byte) 0xe9, (byte) 0xff);
    }

    @Test
    void refusesCrLfInAuthority() {
        var e = failure(
                () -> Http1Encoder.encodeHead("GET", "/", HttpHeaders.EMPTY, "a\r\nb", BodyShape.NONE, NO_AGENT));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER_VALUE);
        assertThat(e.detail()).contains("host");
    }

    @Test
    void refusesCrLfInUserAgentOption() {
        var e = failure(() -> encode("GET", "/", HttpHeaders.EMPTY, BodyShape.NONE, new Options(false, true, "a\nb")));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER_VALUE);
        assertThat(e.detail()).contains("user-agent");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/",
                "/a/b/c.html",
                "/search?q=x&lang=en-GB",
                "/%7Euser/%E2%82%AC",
                "/a:b@c/!$&'()*+,;=-._~",
                "/?a=/b?c",
                "http://example.com/x?y",
                "https://user@[::1]:8443/path",
                "http://127.0.0.1:80"
            })
    void acceptsValidTargets(String target) throws Exception {
        EncodedHead head = encode(target, HttpHeaders.EMPTY, BodyShape.NONE);

        assertThat(text(head.bytes())).startsWith("GET " + target + " HTTP/1.1\r\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com:443", "[::1]:8443", "127.0.0.1:80", "xn--bcher-kva.example:1"})
    void acceptsAuthorityFormForConnect(String target) throws Exception {
        EncodedHead head = encode("CONNECT", target, HttpHeaders.EMPTY, BodyShape.NONE, NO_AGENT);

        assertThat(text(head.bytes())).startsWith("CONNECT " + target + " HTTP/1.1\r\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com", "example.com:", "example.com:https", "/path", "user@host:443", "[::1:443"})
    void refusesConnectTargetThatIsNotHostAndPort(String target) {
        var e = refused("CONNECT", target, HttpHeaders.EMPTY, BodyShape.NONE);

        assertThat(e.reason()).isEqualTo(Reason.INVALID_REQUEST_TARGET);
    }

    @Test
    void acceptsAsteriskFormForOptions() throws Exception {
        EncodedHead head = encode("OPTIONS", "*", HttpHeaders.EMPTY, BodyShape.NONE, NO_AGENT);

        assertThat(text(head.bytes())).startsWith("OPTIONS * HTTP/1.1\r\n");
    }

    @Test
    void refusesAsteriskFormForOtherMethods() {
        var e = refused("GET", "*", HttpHeaders.EMPTY, BodyShape.NONE);

        assertThat(e.reason()).isEqualTo(Reason.INVALID_REQUEST_TARGET);
        assertThat(e.detail()).contains("OPTIONS");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/a#frag",
                "/a b",
                "/a%",
                "/a%4",
                "/a%zz",
                "/a%4g",
                "/\u00e9",
                "/a|b",
                "/a{b}",
                "/a\"b",
                "/a<b>",
                "/a\\b",
                "/a[1]",
                "/a^b",
                "/a`b",
                "relative/path",
                "1http://x/",
                "ht tp://x/",
                "http://ex ample.com/",
                "http://ex<ample.com/"
            })
    void refusesInvalidTargets(String target) {
        var e = refused("GET", target, HttpHeaders.EMPTY, BodyShape.NONE);

        assertThat(e.reason()).isEqualTo(Reason.INVALID_REQUEST_TARGET);
    }

    @Test
    void namesTheFragmentInTheDetail() {
        var e = refused("GET", "/page#section", HttpHeaders.EMPTY, BodyShape.NONE);

        assertThat(e.detail()).contains("0x23 ('#')", "index 5", "fragment");
    }

    @Test
    void acceptsOddTargetsWithoutValidation() throws Exception {
        Options lax = new Options(false, false, null);
        EncodedHead head = encode("GET", "/a|b{c}^\u00e9%zz#x", HttpHeaders.EMPTY, BodyShape.NONE, lax);

        assertThat(text(head.bytes())).startsWith("GET /a|b{c}^\u00e9%zz#x HTTP/1.1\r\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/a b", "/a\r\nx: y", "/a\nb", "/a\u0000", "/a\tb", "/a\u007f", "/\u20ac"})
    void refusesSpaceAndControlsInTargetEvenWithoutValidation(String target) {
        var e = failure(
                () -> encode("GET", target, HttpHeaders.EMPTY, BodyShape.NONE, new Options(false, false, null)));

        assertThat(e.reason()).isEqualTo(Reason.INVALID_REQUEST_TARGET);
    }

    @Test
    void writesChunkSizeInLowercaseHex() {
        assertThat(text(Http1Encoder.chunkHeader(1))).isEqualTo("1\r\n");
        assertThat(text(Http1Encoder.chunkHeader(26))).isEqualTo("1a\r\n");
        assertThat(text(Http1Encoder.chunkHeader(4096))).isEqualTo("1000\r\n");
        assertThat(text(Http1Encoder.chunkHeader(Integer.MAX_VALUE))).isEqualTo("7fffffff\r\n");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
    void refusesChunkWithoutBytes(int length) {
        assertThatThrownBy(() -> Http1Encoder.chunkHeader(length)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void endsChunkWithCrlfInAFreshReadOnlyBuffer() {
        ByteBuffer first = Http1Encoder.chunkEnd();
        assertThat(first.isReadOnly()).isTrue();
        assertThat(text(first)).isEqualTo("\r\n");

        first.get();
        assertThat(Http1Encoder.chunkEnd().remaining()).isEqualTo(2);
    }

    @Test
    void writesLastChunkWithoutTrailers() throws Exception {
        assertThat(text(Http1Encoder.lastChunk(HttpHeaders.EMPTY, Options.DEFAULTS)))
                .isEqualTo("0\r\n\r\n");
    }

    @Test
    void writesLastChunkWithTrailers() throws Exception {
        ByteBuffer last = Http1Encoder.lastChunk(HttpHeaders.of("X-Checksum", "abc", "x-count", "2"), Options.DEFAULTS);

        assertThat(text(last)).isEqualTo("0\r\nx-checksum: abc\r\nx-count: 2\r\n\r\n");
    }

    @Test
    void preservesTrailerCaseWhenAsked() throws Exception {
        ByteBuffer last = Http1Encoder.lastChunk(HttpHeaders.of("X-Checksum", "abc"), new Options(true, true, null));

        assertThat(text(last)).isEqualTo("0\r\nX-Checksum: abc\r\n\r\n");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "Content-Length",
                "transfer-encoding",
                "host",
                "cache-control",
                "expect",
                "max-forwards",
                "pragma",
                "range",
                "te",
                "If-Match",
                "if-none-match",
                "if-modified-since",
                "if-unmodified-since",
                "if-range",
                "authorization",
                "proxy-authenticate",
                "proxy-authorization",
                "www-authenticate",
                "set-cookie",
                "Cookie",
                "content-encoding",
                "content-type",
                "content-range",
                "trailer",
                "age",
                "expires",
                "date",
                "location",
                "retry-after",
                "vary",
                "warning",
                "connection",
                "keep-alive",
                "upgrade"
            })
    void refusesForbiddenTrailer(String name) {
        var e = failure(() -> Http1Encoder.lastChunk(HttpHeaders.of("x-ok", "1", name, "v"), Options.DEFAULTS));

        assertThat(e.reason()).isEqualTo(Reason.UNALLOWED_TRAILER);
        assertThat(e.detail()).isEqualTo(name);
    }

    @Test
    void refusesInvalidTrailerNameAndValue() {
        var badName = failure(() -> Http1Encoder.lastChunk(HttpHeaders.of("x y", "1"), Options.DEFAULTS));
        var badValue = failure(() -> Http1Encoder.lastChunk(HttpHeaders.of("x-sum", "1\r\n"), Options.DEFAULTS));

        assertThat(badName.reason()).isEqualTo(Reason.INVALID_HEADER_NAME);
        assertThat(badValue.reason()).isEqualTo(Reason.INVALID_HEADER_VALUE);
        assertThat(badValue.detail()).contains("x-sum");
    }

    @Test
    void omitsDefaultPortFromAuthority() {
        assertThat(Http1Encoder.authority("example.com", 443, 443)).isEqualTo("example.com");
        assertThat(Http1Encoder.authority("example.com", 8443, 443)).isEqualTo("example.com:8443");
    }

    @Test
    void bracketsIpv6LiteralsInAuthority() {
        assertThat(Http1Encoder.authority("::1", 80, 80)).isEqualTo("[::1]");
        assertThat(Http1Encoder.authority("2001:db8::1", 8080, 80)).isEqualTo("[2001:db8::1]:8080");
        assertThat(Http1Encoder.authority("[::1]", 8080, 80)).isEqualTo("[::1]:8080");
        assertThat(Http1Encoder.authority("10.0.0.1", 8080, 80)).isEqualTo("10.0.0.1:8080");
    }

    @Test
    void encodedHeadDecodesBackAsTheSameRequest() throws Exception {
        // A sanity check that the bytes are a well-formed field section: reuse the response-side field parser.
        EncodedHead head =
                encode("POST", "/x", HttpHeaders.of("Accept", "a/b", "X-Y", "z"), BodyShape.known(2), NO_AGENT);
        String wire = text(head.bytes());
        String fieldLines = wire.substring(wire.indexOf("\r\n") + 2);

        var f = new DecoderFixture("POST").feed("HTTP/1.1 200 OK\r\n" + fieldLines + "ok");

        assertThat(f.events())
                .contains(RecordingHandler.headers(
                        "host", "example.com", "accept", "a/b", "x-y", "z", "content-length", "2"));
    }
}

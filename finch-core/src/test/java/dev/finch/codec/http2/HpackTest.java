package dev.finch.codec.http2;

import static dev.finch.codec.http2.Hex.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException;
import dev.finch.http.HttpProtocolException.Reason;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The HPACK adapter: RFC 7541 Appendix C, table size signalling, and the limits and checks around decoding. */
class HpackTest {
    private static final HttpHeaders REQUEST_1 =
            HttpHeaders.of(":method", "GET", ":scheme", "http", ":path", "/", ":authority", "www.example.com");
    private static final HttpHeaders REQUEST_2 = HttpHeaders.of(
            ":method",
            "GET",
            ":scheme",
            "http",
            ":path",
            "/",
            ":authority",
            "www.example.com",
            "cache-control",
            "no-cache");
    private static final HttpHeaders REQUEST_3 = HttpHeaders.of(
            ":method",
            "GET",
            ":scheme",
            "https",
            ":path",
            "/index.html",
            ":authority",
            "www.example.com",
            "custom-key",
            "custom-value");

    private static HttpHeaders decode(Hpack hpack, String hex) throws HttpProtocolException {
        return hpack.decode(1, ByteBuffer.wrap(bytes(hex)));
    }

    private static String encode(Hpack hpack, HttpHeaders fields) {
        ByteSink out = new ByteSink();
        hpack.encode(fields, out);
        return Hex.of(out.toByteArray());
    }

    /** A literal field without indexing and with a literal name (RFC 7541 §6.2.2), both strings raw. */
    private static String literal(String name, String value) {
        return "00" + string(name) + string(value);
    }

    private static String string(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        if (b.length >= 127) {
            throw new IllegalArgumentException("keep test strings short");
        }
        return String.format("%02x", b.length) + Hex.of(b);
    }

    // --- RFC 7541 Appendix C

    @Test
    void decodesTheRequestExamplesWithoutHuffmanOfAppendixC3() throws HttpProtocolException {
        Hpack hpack = new Hpack();
        assertThat(decode(hpack, "828684410f7777772e6578616d706c652e636f6d")).isEqualTo(REQUEST_1);
        assertThat(decode(hpack, "828684be58086e6f2d6361636865")).isEqualTo(REQUEST_2);
        assertThat(decode(hpack, "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565"))
                .isEqualTo(REQUEST_3);
    }

    @Test
    void decodesTheRequestExamplesWithHuffmanOfAppendixC4() throws HttpProtocolException {
        Hpack hpack = new Hpack();
        assertThat(decode(hpack, "828684418cf1e3c2e5f23a6ba0ab90f4ff")).isEqualTo(REQUEST_1);
        assertThat(decode(hpack, "828684be5886a8eb10649cbf")).isEqualTo(REQUEST_2);
        assertThat(decode(hpack, "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf"))
                .isEqualTo(REQUEST_3);
    }

    @Test
    void encodesTheRequestsOfAppendixC4ByteForByte() {
        Hpack hpack = new Hpack();
        assertThat(encode(hpack, REQUEST_1)).isEqualTo("828684418cf1e3c2e5f23a6ba0ab90f4ff");
        assertThat(encode(hpack, REQUEST_2)).isEqualTo("828684be5886a8eb10649cbf");
        assertThat(encode(hpack, REQUEST_3)).isEqualTo("828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf");
    }

    @Test
    void decodesFromDirectBuffersAndArraySlices() throws HttpProtocolException {
        byte[] block = bytes("828684418cf1e3c2e5f23a6ba0ab90f4ff");
        ByteBuffer direct = ByteBuffer.allocateDirect(block.length).put(block).flip();
        assertThat(new Hpack().decode(1, direct)).isEqualTo(REQUEST_1);

        byte[] padded = new byte[block.length + 6];
        System.arraycopy(block, 0, padded, 3, block.length);
        assertThat(new Hpack()
                        .decode(1, ByteBuffer.wrap(padded, 3, block.length).slice()))
                .isEqualTo(REQUEST_1);
    }

    // --- encoding

    @Test
    void encodesPseudoHeadersFirst() throws HttpProtocolException {
        Hpack hpack = new Hpack();
        ByteSink out = new ByteSink();
        hpack.encode(HttpHeaders.of("accept", "*/*", ":method", "GET", "x-b", "2", ":path", "/"), out);

        assertThat(new Hpack().decode(1, out.buffer()))
                .isEqualTo(HttpHeaders.of(":method", "GET", ":path", "/", "accept", "*/*", "x-b", "2"));
    }

    @Test
    void announcesATableSizeChangeAtTheStartOfTheNextBlockOnly() {
        Hpack hpack = new Hpack();
        hpack.setPeerHeaderTableSize(0);
        HttpHeaders get = HttpHeaders.of(":method", "GET");

        assertThat(encode(hpack, get)).isEqualTo("20" + "82");
        assertThat(encode(hpack, get)).isEqualTo("82");
    }

    @Test
    void announcesTheSmallestSizeThenTheFinalOneWhenTheSizeDippedBetweenBlocks() {
        // RFC 7541 §4.2: 0, then back to 4096 (= 31 + 4065: 3f e1 1f)
        Hpack hpack = new Hpack();
        hpack.setPeerHeaderTableSize(0);
        hpack.setPeerHeaderTableSize(4096);

        assertThat(encode(hpack, HttpHeaders.of(":method", "GET"))).isEqualTo("20" + "3fe11f" + "82");
    }

    @Test
    void announcesNothingWhenThePeerRepeatsTheCurrentSize() {
        Hpack hpack = new Hpack();
        hpack.setPeerHeaderTableSize(4096);
        assertThat(encode(hpack, HttpHeaders.of(":method", "GET"))).isEqualTo("82");
    }

    @Test
    void neverUsesMoreTableThanOurOwnMaximum() {
        Hpack hpack = new Hpack(Hpack.DEFAULT_MAX_HEADER_LIST_SIZE, 256);
        hpack.setPeerHeaderTableSize(65_536);

        // 256 = 31 + 225: 3f e1 01, announced once because it differs from the initial 4096
        assertThat(hpack.encoderTableSize()).isEqualTo(256);
        assertThat(encode(hpack, HttpHeaders.of(":method", "GET"))).isEqualTo("3fe101" + "82");
    }

    @Test
    void sendsCredentialsNeverIndexed() {
        Hpack hpack = new Hpack();
        HttpHeaders auth = HttpHeaders.of("authorization", "Bearer x");
        String first = encode(hpack, auth);

        // §6.2.3 never indexed, static name index 23 (0x1f then 23 - 15 = 0x08); not added to the table,
        // so the second block repeats the literal instead of referencing index 62
        assertThat(first).startsWith("1f08");
        assertThat(encode(hpack, auth)).isEqualTo(first);
    }

    @Test
    void countsHeaderListSizeWithTheFieldOverhead() {
        assertThat(Hpack.headerListSize(HttpHeaders.of("ab", "cde", ":path", "/")))
                .isEqualTo(2 + 3 + 32 + 5 + 1 + 32);
    }

    // --- decoding limits

    @Test
    void acceptsAHeaderListOfExactlyTheLimit() throws HttpProtocolException {
        Hpack hpack = new Hpack(1 + 1 + 32, 4096);
        assertThat(decode(hpack, literal("a", "b"))).isEqualTo(HttpHeaders.of("a", "b"));
    }

    @Test
    void refusesAHeaderListOverTheLimitAsAStreamError() {
        Hpack hpack = new Hpack(1 + 1 + 32 + 10, 4096); // room for one 1-byte field, not two
        Throwable thrown = catchThrowable(() -> decode(hpack, literal("a", "b") + literal("c", "d")));

        assertThat(thrown).isInstanceOf(Http2StreamException.class);
        Http2StreamException e = (Http2StreamException) thrown;
        assertThat(e.streamId()).isEqualTo(1);
        assertThat(e.errorCode()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
        assertThat(e.reason()).isEqualTo(Reason.MAX_HEADER_LIST_SIZE_EXCEEDED);
    }

    @Test
    void keepsTheDynamicTableInStepAfterRefusingAnOversizedList() throws HttpProtocolException {
        Hpack hpack = new Hpack(100, 4096);
        // Literal with incremental indexing (0x40): a 150-byte value (0x7f 0x17), then a small one.
        // Both are over the limit, both must still enter the table: x-small at 62, x-big at 63.
        String big = "40" + string("x-big") + "7f17" + "61".repeat(150);
        String small = "40" + string("x-small") + string("1");
        assertThat(catchThrowable(() -> decode(hpack, big + small))).isInstanceOf(Http2StreamException.class);

        assertThat(decode(hpack, "be")).isEqualTo(HttpHeaders.of("x-small", "1"));
    }

    @Test
    void boundsTheMemoryOfAnHpackBomb() throws HttpProtocolException {
        // One 4,000-byte entry in the table, referenced 100,000 times: 400 MB if materialised.
        Hpack hpack = new Hpack();
        StringBuilder bomb = new StringBuilder("40" + string("x-bomb") + "7fa11e" + "62".repeat(4000));
        bomb.append("be".repeat(100_000));
        ByteBuffer block = ByteBuffer.wrap(bytes(bomb.toString()));

        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        Throwable thrown = catchThrowable(() -> hpack.decode(1, block));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertThat(thrown).isInstanceOf(Http2StreamException.class);
        assertThat(((Http2StreamException) thrown).reason()).isEqualTo(Reason.MAX_HEADER_LIST_SIZE_EXCEEDED);
        assertThat(allocated).as("bytes allocated while decoding").isLessThan(16L * 1024 * 1024);
        assertThat(decode(hpack, "be").first("x-bomb")).hasSize(4000);
    }

    // --- malformed HPACK: connection errors

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "index 0,                                   80",
        "index beyond both tables,                  bf",
        "block ends after a representation's first octet, 40",
        "block ends inside a value,                 4003616263 05 6162",
        "block ends inside a multi-octet integer,   ff",
        "integer beyond 2^31-1,                     ff ffffffff0f",
        "size update after a field,                 82 20",
        "size update above our table size,          3fe13f 82",
        "Huffman name that decodes to nothing,      4081ff 0161",
        "Huffman string with the EOS symbol,        400161 84ffffffff",
    })
    void treatsMalformedBlocksAsCompressionErrors(String what, String hex) {
        Throwable thrown = catchThrowable(() -> decode(new Hpack(), hex));

        assertThat(thrown).isInstanceOf(Http2ConnectionException.class);
        assertThat(((Http2ConnectionException) thrown).errorCode()).isEqualTo(ErrorCode.COMPRESSION_ERROR);
        assertThat(((Http2ConnectionException) thrown).reason()).isEqualTo(Reason.COMPRESSION_ERROR);
    }

    @Test
    void requiresASizeUpdateAfterWeShrankOurTable() throws HttpProtocolException {
        Hpack hpack = new Hpack();
        hpack.setDecoderTableSize(0);
        assertThat(catchThrowable(() -> decode(hpack, "82"))).isInstanceOf(Http2ConnectionException.class);

        Hpack obeyed = new Hpack();
        obeyed.setDecoderTableSize(0);
        assertThat(decode(obeyed, "20 82")).isEqualTo(HttpHeaders.of(":method", "GET"));
    }

    // --- malformed field sections: stream errors (RFC 9113 §8.1.1)

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "uppercase name,                 Content-Type, x",
        "name with a space,              'x y',        x",
        "connection-specific field,      connection,   close",
        "transfer-encoding,              transfer-encoding, chunked",
        "te other than trailers,         te,           gzip",
        "value with leading whitespace,  x-a,          ' x'",
    })
    void refusesMalformedFieldsAsStreamErrors(String what, String name, String value) throws HttpProtocolException {
        Hpack hpack = new Hpack();
        Throwable thrown = catchThrowable(() -> hpack.decode(3, ByteBuffer.wrap(bytes(literal(name, value)))));

        assertThat(thrown).isInstanceOf(Http2StreamException.class);
        Http2StreamException e = (Http2StreamException) thrown;
        assertThat(e.streamId()).isEqualTo(3);
        assertThat(e.errorCode()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
        assertThat(e.reason()).isEqualTo(Reason.INVALID_HEADER);
        assertThat(decode(hpack, "82")).as("the connection goes on").isEqualTo(HttpHeaders.of(":method", "GET"));
    }

    @ParameterizedTest(name = "value with {0}")
    @CsvSource({"NUL, 00", "CR, 0d", "LF, 0a"})
    void refusesValuesWithNulCrOrLf(String what, String octet) {
        String block = "00" + string("x-a") + "03" + "61" + octet + "62";
        assertThat(catchThrowable(() -> decode(new Hpack(), block))).isInstanceOf(Http2StreamException.class);
    }

    @Test
    void refusesPseudoHeadersAfterRegularFields() {
        Throwable thrown = catchThrowable(() -> decode(new Hpack(), literal("x-a", "1") + "88")); // 88 = :status 200
        assertThat(thrown).isInstanceOf(Http2StreamException.class);
        assertThat(((Http2StreamException) thrown).detail()).contains(":status");
    }

    @Test
    void acceptsTeTrailersAndAResponse() throws HttpProtocolException {
        assertThat(decode(new Hpack(), "88" + literal("te", "trailers") + literal("x-a", "1\t2")))
                .isEqualTo(HttpHeaders.of(":status", "200", "te", "trailers", "x-a", "1\t2"));
    }
}

package dev.finch.codec.http2;

import com.twitter.hpack.Decoder;
import com.twitter.hpack.Encoder;
import com.twitter.hpack.HeaderListener;
import dev.finch.http.HttpHeaders;
import dev.finch.http.HttpProtocolException.Reason;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One connection's HPACK contexts (RFC 7541), an adapter around com.twitter.hpack: the encoder for the field blocks
 * we send and the decoder for those we receive. Each context is shared by all streams of the connection, so every
 * block must pass through here in wire order, including blocks of streams we no longer care about (RFC 9113 §4.3).
 *
 * <p>Decoding is bounded: fields beyond our SETTINGS_MAX_HEADER_LIST_SIZE are parsed (to keep the dynamic table in
 * step with the peer) but not materialised, so an "HPACK bomb" (a large table entry referenced many times) costs
 * CPU proportional to the block, which {@link FrameDecoder} caps, and memory bounded by the limit.
 *
 * <p>Errors: a malformed block is a connection error COMPRESSION_ERROR (RFC 9113 §4.3: the shared state is lost). A
 * well-formed block that is too large or not a valid HTTP/2 field section is a stream error: the dynamic table is
 * intact and the connection carries on. Not thread-safe.
 */
public final class Hpack {
    /** Per-field overhead in header list sizes (RFC 9113 §6.5.2) and table sizes (RFC 7541 §4.1). */
    public static final int FIELD_OVERHEAD = 32;
    /** Finch's default SETTINGS_MAX_HEADER_LIST_SIZE: 256 KiB, as Mint. */
    public static final int DEFAULT_MAX_HEADER_LIST_SIZE = 262_144;

    private final Encoder encoder;
    private final int maxEncoderTableSize;
    private int encoderTableSize; // the size the next block will announce, if it changed
    private int smallestPendingTableSize = -1; // the smallest size since the last block; -1 when none is pending

    private final Decoder decoder;
    private final int maxHeaderListSize;

    /** Contexts with the default max header list size and a 4096-octet encoder table. */
    public Hpack() {
        this(DEFAULT_MAX_HEADER_LIST_SIZE, Settings.DEFAULT_HEADER_TABLE_SIZE);
    }

    /**
     * @param maxHeaderListSize our SETTINGS_MAX_HEADER_LIST_SIZE: the decoded size (§6.5.2) beyond which a received
     *     block is refused
     * @param maxEncoderTableSize the largest dynamic table our encoder will use, whatever the peer allows
     */
    public Hpack(int maxHeaderListSize, int maxEncoderTableSize) {
        if (maxHeaderListSize < 0 || maxEncoderTableSize < 0) {
            throw new IllegalArgumentException("sizes " + maxHeaderListSize + ", " + maxEncoderTableSize);
        }
        this.maxHeaderListSize = maxHeaderListSize;
        this.maxEncoderTableSize = maxEncoderTableSize;
        // Both tables start at the RFC's initial 4096 octets (RFC 9113 §6.5.2) until SETTINGS say otherwise.
        this.encoder = new Encoder(Settings.DEFAULT_HEADER_TABLE_SIZE);
        this.encoderTableSize = Settings.DEFAULT_HEADER_TABLE_SIZE;
        // The decoder's own limit counts name + value octets without the 32-octet overhead, so with our limit
        // it never keeps more than we would accept; the exact §6.5.2 count is ours, in FieldCollector.
        // Integer.MAX_VALUE itself would overflow the library's "limit + 1" truncation marker.
        this.decoder =
                new Decoder(Math.min(maxHeaderListSize, Integer.MAX_VALUE - 1), Settings.DEFAULT_HEADER_TABLE_SIZE);
        setPeerHeaderTableSize(Settings.DEFAULT_HEADER_TABLE_SIZE);
    }

    // ---------------------------------------------------------------------------------------------- encoding

    /**
     * Follows the peer's SETTINGS_HEADER_TABLE_SIZE: our encoder uses {@code min(size, maxEncoderTableSize)}. The
     * change is announced with a dynamic table size update at the start of the next encoded block (RFC 7541 §4.2,
     * §6.3), and if the size dipped lower in between, that smallest size is announced first, as §4.2 requires.
     */
    public void setPeerHeaderTableSize(int size) {
        if (size < 0) {
            throw new IllegalArgumentException("table size " + size);
        }
        int next = Math.min(size, maxEncoderTableSize);
        if (next == encoderTableSize && smallestPendingTableSize < 0) {
            return;
        }
        smallestPendingTableSize = smallestPendingTableSize < 0
                ? Math.min(next, encoderTableSize)
                : Math.min(smallestPendingTableSize, next);
        encoderTableSize = next;
    }

    /** The dynamic table size our encoder uses for the next block. */
    public int encoderTableSize() {
        return encoderTableSize;
    }

    /**
     * Encodes one field block, pseudo-headers first (RFC 9113 §8.3) and otherwise in the given order, appending it to
     * {@code out}. Fields are not validated here: use {@link RequestHeaderValidator} first (characters above U+00FF
     * would not survive). {@code authorization} and {@code proxy-authorization} are sent never-indexed (RFC 7541
     * §7.1.3) so that no intermediary stores credentials in a table.
     */
    public void encode(HttpHeaders fields, ByteSink out) {
        try {
            if (smallestPendingTableSize >= 0) {
                // com.twitter.hpack writes the size update itself and skips it when the size is unchanged.
                encoder.setMaxHeaderTableSize(out, smallestPendingTableSize);
                encoder.setMaxHeaderTableSize(out, encoderTableSize);
                smallestPendingTableSize = -1;
            }
            for (int pass = 0; pass < 2; pass++) {
                boolean pseudo = pass == 0;
                for (int i = 0; i < fields.size(); i++) {
                    String name = fields.name(i);
                    if (name.startsWith(":") == pseudo) {
                        encoder.encodeHeader(out, latin1(name), latin1(fields.value(i)), isSensitive(name));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteSink never throws
        }
    }

    /** The size of a field list as RFC 9113 §6.5.2 counts it, to check against the peer's MAX_HEADER_LIST_SIZE. */
    public static long headerListSize(HttpHeaders fields) {
        long size = 0;
        for (int i = 0; i < fields.size(); i++) {
            size += fields.name(i).length() + fields.value(i).length() + FIELD_OVERHEAD;
        }
        return size;
    }

    private static boolean isSensitive(String name) {
        return name.equalsIgnoreCase("authorization") || name.equalsIgnoreCase("proxy-authorization");
    }

    private static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    // ---------------------------------------------------------------------------------------------- decoding

    /**
     * Changes our SETTINGS_HEADER_TABLE_SIZE, once the peer has acknowledged it. If it shrinks, the peer's next block
     * must start with a size update (RFC 7541 §4.2); a block without one is a COMPRESSION_ERROR.
     */
    public void setDecoderTableSize(int size) {
        if (size < 0) {
            throw new IllegalArgumentException("table size " + size);
        }
        decoder.setMaxHeaderTableSize(size);
    }

    /**
     * Decodes one complete field block (HEADERS or PUSH_PROMISE plus CONTINUATIONs) into its fields, in order,
     * pseudo-headers included. Names and values map octets to chars one to one (ISO-8859-1).
     *
     * <p>Besides decoding, it checks what RFC 9113 §8.2 and §8.3 say of every field section: names are lowercase
     * tokens, values have no NUL, CR or LF and no leading/trailing whitespace, no connection-specific fields, {@code
     * te} only "trailers", pseudo-headers before regular fields. Which pseudo-headers a message needs (:status in a
     * response, none in trailers) is the connection's to check.
     *
     * @param streamId the stream the block arrived on, for stream errors
     * @throws Http2ConnectionException COMPRESSION_ERROR if the block is not valid HPACK (bad index, truncated
     *     representation, bad Huffman code, size update misplaced or above our limit); the connection is over
     * @throws Http2StreamException PROTOCOL_ERROR with reason MAX_HEADER_LIST_SIZE_EXCEEDED if the decoded list
     *     exceeds our limit (as Netty), or with reason INVALID_HEADER if a field breaks §8.2/§8.3 (§8.1.1: a
     *     malformed response is a stream error); HPACK state stays consistent, the connection carries on
     */
    public HttpHeaders decode(int streamId, ByteBuffer block) throws Http2ConnectionException, Http2StreamException {
        String malformed = HpackBlockScanner.check(block);
        if (malformed != null) {
            throw new Http2ConnectionException(ErrorCode.COMPRESSION_ERROR, malformed);
        }
        ByteArrayInputStream in = inputStream(block);
        FieldCollector fields = new FieldCollector(maxHeaderListSize);
        boolean truncated;
        try {
            decoder.decode(in, fields);
        } catch (IOException | RuntimeException | AssertionError e) {
            // com.twitter.hpack signals some malformed input (a Huffman-coded name that decodes to nothing) with
            // an AssertionError; whatever the peer sends must end as COMPRESSION_ERROR, not as an Error.
            throw new Http2ConnectionException(
                    ErrorCode.COMPRESSION_ERROR, Reason.COMPRESSION_ERROR, "HPACK: " + e.getMessage(), e);
        } finally {
            truncated = decoder.endHeaderBlock();
        }
        if (in.available() > 0) {
            // The scanner saw complete representations, so this cannot happen unless the two disagree.
            throw new Http2ConnectionException(ErrorCode.COMPRESSION_ERROR, "HPACK block not fully decoded");
        }
        if (truncated || fields.exceeded) {
            throw new Http2StreamException(
                    streamId,
                    ErrorCode.PROTOCOL_ERROR,
                    Reason.MAX_HEADER_LIST_SIZE_EXCEEDED,
                    "decoded header list exceeds SETTINGS_MAX_HEADER_LIST_SIZE " + maxHeaderListSize);
        }
        if (fields.problem != null) {
            throw new Http2StreamException(streamId, ErrorCode.PROTOCOL_ERROR, Reason.INVALID_HEADER, fields.problem);
        }
        return fields.headers.build();
    }

    private static ByteArrayInputStream inputStream(ByteBuffer block) {
        // ByteArrayInputStream supports the mark/reset that com.twitter.hpack uses for multi-byte integers.
        if (block.hasArray()) {
            return new ByteArrayInputStream(block.array(), block.arrayOffset() + block.position(), block.remaining());
        }
        byte[] copy = new byte[block.remaining()];
        block.get(block.position(), copy);
        return new ByteArrayInputStream(copy);
    }

    /** Collects decoded fields, counting their §6.5.2 size and noting the first field that breaks §8.2/§8.3. */
    private static final class FieldCollector implements HeaderListener {
        final HttpHeaders.Builder headers = HttpHeaders.builder();
        final long limit;
        long size;
        boolean exceeded;
        boolean regularSeen;
        String problem;

        FieldCollector(long limit) {
            this.limit = limit;
        }

        @Override
        public void addHeader(byte[] nameBytes, byte[] valueBytes, boolean sensitive) {
            size += nameBytes.length + valueBytes.length + FIELD_OVERHEAD;
            if (size > limit) {
                exceeded = true; // keep nothing more; the decoder still updates its table
            }
            if (exceeded || problem != null) {
                return;
            }
            String name = new String(nameBytes, StandardCharsets.ISO_8859_1);
            String value = new String(valueBytes, StandardCharsets.ISO_8859_1);
            problem = problemWith(name, value);
            headers.add(name, value);
        }

        private String problemWith(String name, String value) {
            String nameProblem = FieldRules.nameProblem(name);
            if (nameProblem != null) {
                return nameProblem;
            }
            if (name.startsWith(":")) {
                if (regularSeen) {
                    return name + ": pseudo-header after a regular field (RFC 9113 §8.3)";
                }
            } else {
                regularSeen = true;
            }
            if (FieldRules.isConnectionSpecific(name)) {
                return name + ": connection-specific header in an HTTP/2 message (RFC 9113 §8.2.2)";
            }
            if (FieldRules.isBadTe(name, value)) {
                return "te: a value other than \"trailers\" (RFC 9113 §8.2.2)";
            }
            if (!FieldRules.isValidReceivedValue(value)) {
                return name + ": value has NUL, CR, LF or leading/trailing whitespace (RFC 9113 §8.2.1)";
            }
            return null;
        }
    }
}

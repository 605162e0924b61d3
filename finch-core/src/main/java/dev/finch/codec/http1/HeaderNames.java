package dev.finch.codec.http1;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Lowercase header names common in responses, matched against decoded bytes without allocating: a decoded name
 * found here is this table's {@code String} (shared, its hash already cached), so most responses create no name
 * strings at all.
 */
final class HeaderNames {
    private static final String[] NAMES = {
        "accept-ranges",
        "access-control-allow-credentials",
        "access-control-allow-headers",
        "access-control-allow-methods",
        "access-control-allow-origin",
        "access-control-expose-headers",
        "access-control-max-age",
        "age",
        "alt-svc",
        "cache-control",
        "cf-cache-status",
        "cf-ray",
        "connection",
        "content-disposition",
        "content-encoding",
        "content-language",
        "content-length",
        "content-location",
        "content-range",
        "content-security-policy",
        "content-type",
        "cross-origin-opener-policy",
        "cross-origin-resource-policy",
        "date",
        "etag",
        "expect-ct",
        "expires",
        "keep-alive",
        "last-modified",
        "link",
        "location",
        "nel",
        "permissions-policy",
        "pragma",
        "proxy-authenticate",
        "proxy-connection",
        "referrer-policy",
        "report-to",
        "retry-after",
        "server",
        "server-timing",
        "set-cookie",
        "strict-transport-security",
        "timing-allow-origin",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "vary",
        "via",
        "warning",
        "www-authenticate",
        "x-cache",
        "x-content-type-options",
        "x-frame-options",
        "x-powered-by",
        "x-request-id",
        "x-xss-protection",
    };

    /** Open addressing with linear probing; 256 slots keep it sparse so probes stay short. */
    private static final int MASK = 255;

    private static final String[] TABLE = new String[MASK + 1];
    /** The bytes of each name in {@link #TABLE}, for a vectorized comparison. */
    private static final byte[][] TABLE_BYTES = new byte[MASK + 1][];

    static {
        for (String name : NAMES) {
            int i = name.hashCode() & MASK;
            while (TABLE[i] != null) {
                i = (i + 1) & MASK;
            }
            TABLE[i] = name;
            TABLE_BYTES[i] = name.getBytes(StandardCharsets.ISO_8859_1);
        }
    }

    private HeaderNames() {}

    /**
     * The known name spelled by {@code lower[0, length)}, or {@code null}.
     *
     * @param hash {@link String#hashCode()} of that name (for Latin-1 text: {@code h = 31 * h + byte})
     */
    static String lookup(byte[] lower, int length, int hash) {
        for (int i = hash & MASK; ; i = (i + 1) & MASK) {
            String name = TABLE[i];
            if (name == null) {
                return null;
            }
            if (name.hashCode() == hash && Arrays.equals(TABLE_BYTES[i], 0, TABLE_BYTES[i].length, lower, 0, length)) {
                return name;
            }
        }
    }
}

package dev.finch.codec.http2;

import java.util.HexFormat;

/** Hex literals for byte-exact tests: spaces, newlines and '|' are ignored so frames can be laid out by field. */
final class Hex {
    private Hex() {}

    static byte[] bytes(String hex) {
        return HexFormat.of().parseHex(hex.replaceAll("[\\s|]", ""));
    }

    static String of(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}

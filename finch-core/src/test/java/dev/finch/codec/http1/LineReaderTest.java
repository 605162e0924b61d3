package dev.finch.codec.http1;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The eight-bytes-at-a-time LF scan must agree with a plain loop wherever the LF is and however bytes are ordered. */
class LineReaderTest {

    @Test
    void findsTheFirstLfAtEveryOffsetInBothByteOrdersAndBufferKinds() {
        for (int length = 0; length <= 40; length++) {
            for (int lf = -1; lf < length; lf++) {
                byte[] bytes = new byte[length];
                // Bytes next to LF's value and with the high bit set, to catch carries and false positives.
                for (int i = 0; i < length; i++) {
                    bytes[i] = (byte) new int[] {0x0b, 0x09, 0x8a, 0x0d, 0xff, 0x00}[i % 6];
                }
                if (lf >= 0) {
                    bytes[lf] = '\n';
                    if (lf + 3 < length) {
                        bytes[lf + 3] = '\n'; // a later LF must not win
                    }
                }
                for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
                    ByteBuffer heap = ByteBuffer.wrap(bytes).order(order);
                    ByteBuffer direct =
                            ByteBuffer.allocateDirect(length).put(bytes).flip().order(order);
                    for (ByteBuffer b : new ByteBuffer[] {heap, direct}) {
                        for (int from = 0; from <= length; from++) {
                            int expected = lf >= from ? lf : plainIndexOfLf(bytes, from, length);
                            assertThat(LineReader.indexOfLf(b, from, length))
                                    .as("length %d, LF at %d, from %d, %s %s", length, lf, from, order, b)
                                    .isEqualTo(expected);
                        }
                    }
                }
            }
        }
    }

    @Test
    void stopsAtTheEndOfTheRange() {
        byte[] bytes = new byte[20];
        Arrays.fill(bytes, (byte) 'a');
        bytes[12] = '\n';

        assertThat(LineReader.indexOfLf(ByteBuffer.wrap(bytes), 0, 12)).isEqualTo(-1);
        assertThat(LineReader.indexOfLf(ByteBuffer.wrap(bytes), 0, 13)).isEqualTo(12);
        assertThat(LineReader.indexOfLf(ByteBuffer.wrap(bytes), 13, 20)).isEqualTo(-1);
    }

    private static int plainIndexOfLf(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}

package dev.finch.codec.http2;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The error codes of RFC 9113 §7. */
class ErrorCodeTest {

    @Test
    void carriesTheNumbersOfRfc9113Section7() {
        assertThat(ErrorCode.values())
                .extracting(ErrorCode::code)
                .containsExactly(0x0, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0x8, 0x9, 0xa, 0xb, 0xc, 0xd);
        assertThat(ErrorCode.ENHANCE_YOUR_CALM.code()).isEqualTo(0xb);
        assertThat(ErrorCode.HTTP_1_1_REQUIRED.code()).isEqualTo(0xd);
    }

    @Test
    void looksUpKnownCodesByNumber() {
        for (ErrorCode code : ErrorCode.values()) {
            assertThat(ErrorCode.of(code.code())).isEqualTo(code);
        }
    }

    @Test
    void readsUnknownCodesAsInternalErrorButDescribesTheRawNumber() {
        assertThat(ErrorCode.of(0xe)).isEqualTo(ErrorCode.INTERNAL_ERROR);
        assertThat(ErrorCode.of(-1)).isEqualTo(ErrorCode.INTERNAL_ERROR);
        assertThat(ErrorCode.isKnown(0xe)).isFalse();
        assertThat(ErrorCode.describe(0xe)).isEqualTo("0xe (unknown)");
        assertThat(ErrorCode.describe(-1)).isEqualTo("0xffffffff (unknown)");
        assertThat(ErrorCode.describe(8)).isEqualTo("CANCEL");
    }

    @Test
    void mapsFrameTypeCodes() {
        assertThat(FrameType.of(0x9)).isEqualTo(FrameType.CONTINUATION);
        assertThat(FrameType.of(0xa)).isNull();
        assertThat(FrameType.values()).extracting(FrameType::code).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }
}

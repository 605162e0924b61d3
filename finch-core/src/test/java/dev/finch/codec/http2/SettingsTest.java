package dev.finch.codec.http2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Settings values and defaults of RFC 9113 §6.5.2; how received ones are checked is in the decoder tests. */
class SettingsTest {

    @Test
    void answersTheRfcInitialValuesWhenNothingIsSet() {
        Settings none = Settings.EMPTY;
        assertThat(none.headerTableSize()).isEqualTo(4096);
        assertThat(none.enablePush()).isTrue();
        assertThat(none.maxConcurrentStreams()).isEqualTo(Integer.MAX_VALUE);
        assertThat(none.initialWindowSize()).isEqualTo(65_535);
        assertThat(none.maxFrameSize()).isEqualTo(16_384);
        assertThat(none.maxHeaderListSize()).isEqualTo(Integer.MAX_VALUE);
        assertThat(none.isSet(Settings.MAX_FRAME_SIZE)).isFalse();
        assertThat(none.size()).isZero();
    }

    @Test
    void mergesAnUpdateOverCurrentValues() {
        Settings current = Settings.builder()
                .set(Settings.MAX_CONCURRENT_STREAMS, 100)
                .set(Settings.INITIAL_WINDOW_SIZE, 1000)
                .build();
        Settings update =
                Settings.builder().set(Settings.INITIAL_WINDOW_SIZE, 2000).build();

        Settings merged = current.merge(update);
        assertThat(merged.maxConcurrentStreams()).isEqualTo(100);
        assertThat(merged.initialWindowSize()).isEqualTo(2000);
        assertThat(merged.size()).isEqualTo(2);
        assertThat(current.initialWindowSize()).as("immutable").isEqualTo(1000);
    }

    @Test
    void clampsUnlimitedValuesAboveIntegerRange() {
        Settings settings = Settings.builder()
                .set(Settings.MAX_HEADER_LIST_SIZE, 0xffff_ffffL)
                .build();
        assertThat(settings.maxHeaderListSize()).isEqualTo(Integer.MAX_VALUE);
    }

    @ParameterizedTest(name = "setting {0} = {1}")
    @CsvSource({"2, 2", "4, 2147483648", "5, 16383", "5, 16777216", "7, 1", "0, 1", "1, -1"})
    void refusesValuesTheRfcForbidsWhenBuilding(int id, long value) {
        assertThatThrownBy(() -> Settings.builder().set(id, value)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void comparesByValue() {
        Settings a = Settings.builder().set(Settings.ENABLE_PUSH, 0).build();
        Settings b = Settings.builder().set(Settings.ENABLE_PUSH, 0).build();
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).isNotEqualTo(Settings.EMPTY);
        assertThat(a.toString()).isEqualTo("Settings{ENABLE_PUSH=0}");
    }
}

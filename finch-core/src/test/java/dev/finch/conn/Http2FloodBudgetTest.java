package dev.finch.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.finch.codec.http2.ErrorCode;
import dev.finch.codec.http2.Http2ConnectionException;
import org.junit.jupiter.api.Test;

/** {@link FloodBudget}: a fixed window of events, extended by useful work, driven by a clock the test holds. */
class Http2FloodBudgetTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void theEventPastTheLimitIsEnhanceYourCalm() throws Exception {
        FloodBudget b = new FloodBudget("pings", 3, SECOND);
        for (int i = 0; i < 3; i++) {
            b.spend(0);
        }
        assertThatThrownBy(() -> b.spend(1)).isInstanceOfSatisfying(Http2ConnectionException.class, e -> {
            assertThat(e.errorCode()).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
            assertThat(e.getMessage()).contains("pings");
        });
    }

    @Test
    void theWindowRestartsWithTheFirstEventAfterItEnds() throws Exception {
        FloodBudget b = new FloodBudget("pings", 3, SECOND);
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < 3; i++) {
                b.spend(round * SECOND + i);
            }
        }
        assertThat(b.count()).isEqualTo(3);
    }

    @Test
    void usefulWorkRaisesTheBudgetOfTheCurrentWindowOnly() throws Exception {
        FloodBudget b = new FloodBudget("frames on closed streams", 2, SECOND);
        b.allow(0, 4);
        for (int i = 0; i < 6; i++) {
            b.spend(10);
        }
        assertThatThrownBy(() -> b.spend(20)).isInstanceOf(Http2ConnectionException.class);
        FloodBudget next = new FloodBudget("frames on closed streams", 2, SECOND);
        next.allow(0, 4);
        next.spend(SECOND); // a new window: the allowance is gone
        next.spend(SECOND);
        assertThatThrownBy(() -> next.spend(SECOND)).isInstanceOf(Http2ConnectionException.class);
    }

    @Test
    void aClockThatJumpsBackRestartsTheWindowInsteadOfSticking() throws Exception {
        FloodBudget b = new FloodBudget("pings", 1, SECOND);
        b.spend(10 * SECOND);
        b.spend(5 * SECOND);
        assertThat(b.count()).isEqualTo(1);
    }

    @Test
    void optionsRefuseNonsense() {
        assertThatThrownBy(() -> Http2Options.builder().maxPingsPerWindow(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxPingsPerWindow");
        assertThatThrownBy(() -> Http2Options.builder().floodWindow(java.time.Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Http2Options.builder().connectionWindowSize(1000))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

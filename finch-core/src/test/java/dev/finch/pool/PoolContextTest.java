package dev.finch.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The threads a context makes, as a leak check after close() sees them. */
class PoolContextTest {
    @Test
    void liveThreadsAreTheThreadsFinchMadeUntilTheyEnd() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Thread ours = PoolContext.newThread("finch-test-ours", () -> awaitQuietly(release));
        Thread users = new Thread(() -> awaitQuietly(release), "finch-test-not-ours");
        ours.start();
        users.start();

        assertThat(PoolContext.liveThreads()).contains(ours).doesNotContain(users);

        release.countDown();
        ours.join();
        users.join();
        assertThat(PoolContext.liveThreads()).doesNotContain(ours);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.finch.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * docs/connection.md (connection options table, connectTimeout row): "the next address starts 250 ms after the previous
 * one, or at once when it fails". HappyEyeballs.run starts the next one at once only when every attempt started so
 * far has failed ({@code connecting.isEmpty()}): with a first address still connecting, the failure of the second
 * does not start the third, which waits for the 250 ms timer.
 */
class HappyEyeballsReviewTest {
    @Test
    @EnabledOnOs(OS.LINUX)
    void whenAnAttemptFailsTheNextAddressStartsAtOnceAsTheDocsSay() throws Exception {
        InetAddress hanging = InetAddress.getByName("127.0.0.1");
        InetAddress refusing = InetAddress.getByName("127.0.0.2");
        InetAddress answering = InetAddress.getByName("127.0.0.3");
        List<SocketChannel> fillers = new ArrayList<>();
        try (ServerSocketChannel full = ServerSocketChannel.open().bind(new InetSocketAddress(hanging, 0), 1)) {
            int port = full.socket().getLocalPort();
            assumeTrue(Io.fillAcceptQueue(full, fillers), "skipped: could not fill the accept queue");
            try (ServerSocketChannel open = ServerSocketChannel.open().bind(new InetSocketAddress(answering, port))) {
                // warm-up, so that class loading does not count
                try (Transport t = Transports.tcp(
                        "warm.test", port, false, false, Io.deadline(), h -> new InetAddress[] {answering})) {
                    open.accept().close();
                }
                long start = System.nanoTime();
                try (Transport t = Transports.tcp("three.test", port, false, false, Io.deadline(), h ->
                        new InetAddress[] {hanging, refusing, answering})) {
                    Duration took = Duration.ofNanos(System.nanoTime() - start);
                    // 1st at 0 ms (hangs), 2nd at 250 ms (refused at once), 3rd "at once when it fails": ~250 ms.
                    assertThat(took)
                            .as("connected to the third address after " + took.toMillis() + " ms")
                            .isLessThan(Duration.ofMillis(450));
                }
            }
        } finally {
            for (SocketChannel c : fillers) {
                c.close();
            }
        }
    }
}

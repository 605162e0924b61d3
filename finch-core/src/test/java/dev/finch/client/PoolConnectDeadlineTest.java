package dev.finch.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.finch.FinchClient;
import dev.finch.Request;
import dev.finch.conn.ConnectOptions;
import dev.finch.conn.Protocol;
import dev.finch.pool.PoolConfig;
import dev.finch.testing.JettyServer;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ConnectOptions.Builder#connectDeadline(long)} is a public, absolute {@link System#nanoTime()} value, meant for
 * one connect ("A pool sets it to fit a connect into a request timeout"). A pool's configuration is used for every
 * connect the pool ever makes, so a pool configuration carrying one must either be refused (PoolConfig / the client
 * builder) or have it ignored; it must never make every connect after that instant fail at once.
 */
class PoolConnectDeadlineTest {
    private JettyServer server;
    private FinchClient client;

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private void check(Set<Protocol> protocols, JettyServer s) throws Exception {
        server = s;
        PoolConfig config;
        try {
            config = PoolConfig.builder()
                    .protocols(protocols)
                    .connectOptions(ConnectOptions.builder()
                            .connectDeadline(
                                    System.nanoTime() + Duration.ofMillis(200).toNanos())
                            .build())
                    .build();
            client = FinchClient.builder().defaultPool(config).build();
        } catch (IllegalArgumentException refused) {
            return; // refused up front: fine
        }
        Thread.sleep(400); // the configuration is 400 ms old: the pool's first connect comes after its "deadline"

        // A fresh connect with the default 5 s connect timeout to a local server that answers at once.
        assertThat(client.request(Request.get(server.baseUrl() + "/bytes/1")).status())
                .isEqualTo(200);
    }

    @Test
    void aPoolConfigsConnectDeadlineIsRefusedOrIgnoredNeverAStaleEndForEveryLaterConnectHttp1() throws Exception {
        check(Set.of(Protocol.HTTP1), JettyServer.http());
    }

    @Test
    void aPoolConfigsConnectDeadlineIsRefusedOrIgnoredNeverAStaleEndForEveryLaterConnectHttp2() throws Exception {
        check(Set.of(Protocol.HTTP2), JettyServer.h2c());
    }
}

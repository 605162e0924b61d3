package dev.finch.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.finch.FinchClient;
import dev.finch.PoolKey;
import dev.finch.Request;
import dev.finch.Response;
import dev.finch.conn.ConnectOptions;
import dev.finch.conn.Protocol;
import dev.finch.pool.PoolConfig;
import dev.finch.testing.JettyServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** URLs with an IPv6 literal host, through the pools: the connection reaches ::1 and Host carries the brackets. */
class Ipv6ClientTest {
    @BeforeEach
    void assumeIpv6Loopback() {
        assumeTrue(JettyServer.hasIpv6Loopback(), "skipped: this host cannot listen on the IPv6 loopback address ::1");
    }

    @Test
    void http1PoolSendsTheBracketedLiteralAsHost() throws Exception {
        try (JettyServer server = JettyServer.builder().ipv6Loopback().start();
                FinchClient client = FinchClient.builder()
                        .defaultPool(PoolConfig.builder()
                                .connectOptions(ConnectOptions.builder()
                                        .preferIpv6(true)
                                        .build())
                                .build())
                        .build()) {
            Response r = client.request(Request.get(server.baseUrl() + "/echo"));

            assertThat(server.baseUrl()).startsWith("http://[::1]:");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("x-echo-host")).isEqualTo("[::1]:" + server.port());
        }
    }

    @Test
    void http2PoolReachesAnIpv6OnlyServer() throws Exception {
        try (JettyServer server = JettyServer.builder().ipv6Loopback().http2().start();
                FinchClient client = FinchClient.builder().build()) {
            String url = server.baseUrl();
            client.startPool(
                    PoolKey.of(url),
                    PoolConfig.builder().protocols(Protocol.HTTP2).build());

            Response r = client.request(Request.get(url + "/echo"));

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("x-echo-protocol")).isEqualTo("HTTP/2.0");
        }
    }
}

package dev.finch.bench.load;

import java.net.URI;
import java.util.List;

/** The clients of the comparison, by the short name used in the CSV and on the command line. */
final class Clients {
    /** Every client, in the report's order. */
    static final List<String> ALL = List.of("finch", "finch-conn", "okhttp", "apache", "jetty", "reactor-netty", "jdk");

    private Clients() {}

    /** Why {@code client} has no rows for {@code protocol}, or {@code null} if it has. */
    static String unsupported(String client, Protocol protocol) {
        if (protocol == Protocol.H2C) {
            return switch (client) {
                case "jdk" -> "the JDK client does h2c only through Upgrade, which nginx does not offer";
                default -> null;
            };
        }
        return null;
    }

    /** A client configured for {@code protocol} and {@code concurrency} callers, connections pooled to match. */
    static BenchClient create(String client, Protocol protocol, URI base, int concurrency) throws Exception {
        String why = unsupported(client, protocol);
        if (why != null) {
            throw new IllegalArgumentException(client + " over " + protocol.label + ": " + why);
        }
        return switch (client) {
            case "finch" -> new FinchClientBench(base, protocol, concurrency);
            case "finch-conn" -> protocol == Protocol.H2C ? new FinchH2Connection(base) : new FinchConnectionPool(base);
            case "okhttp" -> new OkHttpBench(base, protocol, concurrency);
            case "apache" -> protocol == Protocol.H2C
                    ? new ApacheAsyncH2Bench(base)
                    : new ApacheClassicBench(base, concurrency);
            case "jetty" -> new JettyBench(base, protocol, concurrency);
            case "reactor-netty" -> new ReactorNettyBench(base, protocol, concurrency);
            case "jdk" -> new JdkBench(base);
            default -> throw new IllegalArgumentException("unknown client " + client + "; known: " + ALL);
        };
    }
}

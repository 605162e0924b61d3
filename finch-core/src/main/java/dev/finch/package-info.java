/**
 * The client applications call, after Elixir's Finch: {@link dev.finch.FinchClient} sends {@link dev.finch.Request}s
 * through pools keyed by {@link dev.finch.PoolKey} and returns {@link dev.finch.Response}s, or streams
 * {@link dev.finch.StreamPart}s to a function, a {@code streamWhile} function or an {@link dev.finch.AsyncHandler}.
 *
 * <p>One error idiom: every call throws checked {@link java.io.IOException}s — {@link dev.finch.pool.FinchException}
 * for the pools and the client, {@link dev.finch.http.TransportException} and
 * {@link dev.finch.http.HttpProtocolException} from the wire, unwrapped. Pool configuration, strategies and metrics
 * are in {@link dev.finch.pool}; telemetry events and the listener SPI in {@link dev.finch.telemetry}. See
 * {@code docs/client.md} and {@code docs/pools.md}.
 */
package dev.finch;

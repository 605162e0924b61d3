/**
 * Byte streams under the HTTP connections: TCP, Unix domain sockets, and TLS over either (or over TLS, for a tunnel
 * through an https proxy). Open them with {@link dev.finch.transport.Transports}; configure TLS with
 * {@link dev.finch.transport.TlsOptions}.
 *
 * <h2>Threads and waiting</h2>
 *
 * <p>A transport is owned by one thread at a time, takes no lock and starts no thread. Its channel is always in
 * non-blocking mode, so an owner can register it with its own {@link java.nio.channels.Selector} (active mode). For
 * passive use ({@link dev.finch.transport.Transport#awaitReadable}, and the waits inside
 * {@link dev.finch.transport.Transport#writeFully}, connect and the TLS handshake) each socket transport opens a
 * private selector on its first wait and closes it with the transport.
 *
 * <p>The trade-off: one epoll instance (plus its wake-up descriptor) per connection, so about three file descriptors
 * per connection instead of one. In exchange waiting works identically for TCP, Unix sockets and TLS (TLS waits
 * through the socket below it, so nesting adds no selector), needs no shared selector thread or lock, and never
 * switches the channel to blocking mode, which is impossible while the owner's selector holds it anyway.
 *
 * <h2>Errors</h2>
 *
 * <p>Failures are {@link dev.finch.http.TransportException}s with a {@link dev.finch.http.TransportException.Reason}.
 * Every failure other than {@code TIMEOUT} closes the transport; connect and handshake failures close the socket
 * before throwing. Nothing is logged or printed.
 *
 * <h2>Buffers</h2>
 *
 * <p>Reads and writes allocate nothing per call: plain transports hand the caller's buffers to the channel, and TLS
 * keeps three buffers per connection (ciphertext in, ciphertext out, decrypted data not yet read), sized from the
 * session and grown only if the peer negotiates larger records.
 */
package dev.finch.transport;

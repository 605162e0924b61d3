/**
 * Sans-I/O HTTP/2 building blocks (RFC 9113, RFC 7541): bytes in, events out, bytes written to a {@link
 * dev.finch.codec.http2.ByteSink}. No threads, sockets or clocks; one connection owns one instance of each stateful
 * class and calls it from one thread at a time.
 *
 * <ul>
 *   <li>Reading: {@link dev.finch.codec.http2.FrameDecoder} turns received bytes into {@link
 *       dev.finch.codec.http2.FrameHandler} calls; header blocks go through {@link dev.finch.codec.http2.Hpack#decode}
 *       in arrival order, every one of them, to keep the HPACK state in step.
 *   <li>Writing: {@link dev.finch.codec.http2.FrameEncoder} writes frames; {@link
 *       dev.finch.codec.http2.RequestHeaderValidator} checks request fields and {@link
 *       dev.finch.codec.http2.Hpack#encode} compresses them first.
 *   <li>Flow control: a {@link dev.finch.codec.http2.FlowWindow} per stream and one for the connection on the send
 *       side; a {@link dev.finch.codec.http2.ReceiveWindow} each on the receive side.
 *   <li>Errors: {@link dev.finch.codec.http2.Http2ConnectionException} means GOAWAY and close; {@link
 *       dev.finch.codec.http2.Http2StreamException} means RST_STREAM on one stream. Both carry the {@link
 *       dev.finch.codec.http2.ErrorCode} to send.
 * </ul>
 */
package dev.finch.codec.http2;

/**
 * Finch's telemetry events as a sealed hierarchy of records ({@link dev.finch.telemetry.FinchEvent}), the listener SPI
 * that receives them ({@link dev.finch.telemetry.FinchListener}), and the views of requests and pools they carry
 * ({@link dev.finch.telemetry.RequestInfo}, {@link dev.finch.telemetry.PoolInfo}). A listener that throws never breaks
 * a request ({@link dev.finch.telemetry.Telemetry} swallows and counts it). Imports only the JDK and
 * {@code dev.finch.http}.
 */
package dev.finch.telemetry;

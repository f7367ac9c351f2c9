/**
 * What the web server allows a client, with defaults for a port on a pod network where any pod
 * may connect. Prometheus has flags for two of these (--web.read-timeout, --web.max-connections);
 * scrapewire keeps their names and meaning, with a shorter read timeout than Prometheus's 5m.
 */
export interface WebLimits {
  /** Time from a connection (or the end of the previous request) to a complete request head; 408 after it. */
  headersTimeoutMs: number;
  /** --web.read-timeout: time to receive a whole request, head and body; 408 after it. 0: no limit. */
  readTimeoutMs: number;
  /** How long an idle keep-alive connection is kept between requests. */
  idleTimeoutMs: number;
  /** --web.max-connections: open connections at most; a connection beyond it is closed at once. 0: no limit. */
  maxConnections: number;
  /** Largest request head (request line and headers together); 431 beyond it. */
  maxHeaderBytes: number;
  /** Time a TLS handshake may take (with --web.config.file's tls_server_config). */
  tlsHandshakeTimeoutMs: number;
}

export const DEFAULT_WEB_LIMITS: Readonly<WebLimits> = {
  headersTimeoutMs: 10_000,
  readTimeoutMs: 60_000,
  idleTimeoutMs: 30_000,
  // Prometheus's default for --web.max-connections.
  maxConnections: 512,
  // Node's default; Go's net/http allows 1 MiB, which no client of these endpoints needs.
  maxHeaderBytes: 16 * 1024,
  tlsHandshakeTimeoutMs: 10_000,
};

/**
 * How often Node checks open connections against the header and request timeouts. Node's
 * default is 30 s, which would let a slow client keep a connection up to 30 s past its timeout.
 */
export const TIMEOUT_CHECK_INTERVAL_MS = 1000;

/** The limits with `overrides` applied; the headers timeout never exceeds the read timeout (Node refuses that). */
export function resolveWebLimits(overrides: Partial<WebLimits> = {}): WebLimits {
  const limits = { ...DEFAULT_WEB_LIMITS, ...overrides };
  if (limits.readTimeoutMs > 0 && limits.headersTimeoutMs > limits.readTimeoutMs) limits.headersTimeoutMs = limits.readTimeoutMs;
  return limits;
}

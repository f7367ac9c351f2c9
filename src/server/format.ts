/**
 * Human-readable times for the /targets page. The page's refresh script has its own copies of
 * formatAgo and formatSeconds (targets-page-assets.ts); test/server checks both give the same text.
 */
import { formatDuration } from '../config/units';

/** Seconds as "250ms" below one second, "1.23s" above. */
export function formatSeconds(seconds: number): string {
  if (seconds < 1) return `${+(seconds * 1000).toFixed(1)}ms`;
  return `${+seconds.toFixed(2)}s`;
}

/** How long ago, as "1.2s ago", "3m 4s ago", "2h 5m ago" or "3d 1h ago". */
export function formatAgo(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s < 60) return `${s.toFixed(1)}s ago`;
  const whole = Math.floor(s);
  if (whole < 3600) return `${Math.floor(whole / 60)}m ${whole % 60}s ago`;
  if (whole < 86400) return `${Math.floor(whole / 3600)}h ${Math.floor((whole % 3600) / 60)}m ago`;
  return `${Math.floor(whole / 86400)}d ${Math.floor((whole % 86400) / 3600)}h ago`;
}

/** A duration the way Prometheus prints one (model.Duration): "1s", "1m30s", "500ms", "0s". */
export function formatPrometheusDuration(seconds: number): string {
  return formatDuration(Math.max(0, Math.round(seconds * 1000)));
}

/**
 * How many scrapes of one target an agent on schedule makes inside the measured window.
 *
 * Agents scrape each target at a fixed phase: phase + k × interval. The phase is estimated from
 * the arrival times seen by the target server as the earliest of (arrival − k × interval), with
 * k the arrival's slot counted from the first arrival (requests arrive late, never early, so the
 * earliest is the least delayed). A target first scraped more than one interval after the window
 * opened is late already: its phase is taken as just under one interval after the opening.
 * Slots from the phase up to (not including) the cutoff are scheduled.
 */
export function scheduledScrapes(arrivals: readonly number[], windowStart: number, cutoff: number, intervalMs: number): number {
  if (!(intervalMs > 0) || !(cutoff > windowStart)) return 0;
  const latest = windowStart + intervalMs - 1;
  let phase = latest;
  if (arrivals.length > 0) {
    let first = Infinity;
    for (const a of arrivals) if (a < first) first = a;
    for (const a of arrivals) {
      const slot = Math.round((a - first) / intervalMs);
      const p = a - slot * intervalMs;
      if (p < phase) phase = p;
    }
    // Never before the window opened by more than the rounding of one slot.
    phase = Math.max(phase, windowStart - intervalMs / 2);
  }
  return Math.max(0, Math.ceil((cutoff - phase) / intervalMs));
}

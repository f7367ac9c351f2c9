'use strict';
/**
 * What the collector's bundle gets for `require('@opentelemetry/api')` (scripts/build-bundle.js
 * aliases it here). prom-client loads the OpenTelemetry API at start for one use: exemplars on
 * its default process_cpu_* counters (`collectDefaultMetrics({ enableExemplars: true })`), which
 * scrapewire never turns on. Loading the real API costs ~0.7 MiB of RSS at start
 * (bench/RESULTS.md, 2026-12-03 "the memory floor"); without a tracer it returns no span,
 * which is what this returns too.
 */
const noSpan = () => undefined;
module.exports = {
  trace: { getSpan: noSpan },
  context: { active: noSpan },
};

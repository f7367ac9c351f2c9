// Which files `require(<specifier>)` loads: prints require.cache's keys as JSON after loading the
// entry point and, when it has a Core, parsing and encoding a page with it.
// Usage: node probe.cjs <specifier>
'use strict';
async function main() {
  const exported = require(process.argv[2]);
  let samples;
  if (exported.Core) {
    const core = exported.Core.create();
    samples = (await core.scrape([Buffer.from('probe_total{a="b"} 1\n')], { format: 'text', timestampMs: 1 })).samples;
    core.encode(exported.RW2, { compress: true }, () => {});
  }
  console.log(JSON.stringify({ samples, loaded: Object.keys(require.cache) }));
}
main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

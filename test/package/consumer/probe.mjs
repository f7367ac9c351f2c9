// Which files `import(<specifier>)` loads, through both of Node's loaders: the ES module loader's
// resolutions (recorded by the resolve hook of probe-hooks.mjs, registered with module.register,
// the stable customization API) and the CommonJS loader's require.cache (CommonJS files imported
// from ESM, and what they require, go through it). Usage: node probe.mjs <specifier>
import { createRequire, register } from 'node:module';

register('./probe-hooks.mjs', import.meta.url);
const exported = await import(process.argv[2]);
let samples;
if (exported.Core) {
  const core = exported.Core.create();
  samples = (await core.scrape([Buffer.from('probe_total{a="b"} 1\n')], { format: 'text', timestampMs: 1 })).samples;
  core.encode(exported.RW2, { compress: true }, () => {});
}
const { default: resolved } = await import('probe-hooks:resolved');
const loaded = [...resolved, ...Object.keys(createRequire(import.meta.url).cache)];
console.log(JSON.stringify({ samples, loaded }));

/**
 * The README's embedding example runs as shipped: compiled by `npm run build` (pretest), started
 * as a child process, it parses and encodes with the core, runs an agent with a plugin against
 * loopback servers, and stops by itself.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './helpers/paths';

test('examples/embedded-agent.ts runs and reports what it did', () => {
  const out = execFileSync(process.execPath, [join(REPO_ROOT, 'dist', 'examples', 'embedded-agent.js')], { timeout: 60_000 }).toString();
  expect(out).toMatch(/^core: 2 samples parsed, a \d+-byte snappy rw2 request with 2 samples$/m);
  const agent = /agent: app up; app scraped (\d+) times; (\d+) remote-write requests delivered/.exec(out);
  expect(agent).not.toBeNull();
  expect(Number(agent![1])).toBeGreaterThanOrEqual(2);
  // Its scrapes and the plugin's series are batched across sources (batch_send_deadline 5 s):
  // the 3.5 s run goes out in as few as one request, sent at the latest when the agent stops.
  expect(Number(agent![2])).toBeGreaterThanOrEqual(1);
});

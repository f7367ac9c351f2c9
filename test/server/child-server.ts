/**
 * Child process for the debug endpoint tests (bundled with esbuild by the test, run with plain
 * node): a heap snapshot of a jest worker, which holds the TypeScript compiler, takes over 20 s
 * on a 2-core machine; of this small process, well under a second.
 *   node child-server.js   prints `LISTENING <host:port>`, then serves until killed.
 */
import { Registry } from 'prom-client';
import { startServer } from '../../src/server';

async function main(): Promise<void> {
  const server = await startServer({
    listenAddress: '127.0.0.1:0',
    registry: new Registry(),
    targets: { targets: () => [] },
    control: { ready: () => true, reload: async () => {} },
    enableDebug: true,
  });
  process.stdout.write(`LISTENING ${server.address}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});

/** The file a scrape worker thread starts (outside the bundle): see worker-script.ts. */
import { parentPort, workerData } from 'node:worker_threads';
import { runScrapeWorker } from './worker-main';
import type { WorkerSetup } from './protocol';

if (parentPort !== null) runScrapeWorker(parentPort, workerData as WorkerSetup);

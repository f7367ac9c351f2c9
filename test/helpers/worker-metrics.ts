/**
 * Waiting for a collector started with `--scrape.workers=2` to have scraped its bundled demo job
 * on a worker-labelled thread: its /metrics polled (up to 30 s on a loaded machine).
 */
const WORKER_SCRAPED = /scrapewire_scrape_scrapes_total\{job="demo",result="success",worker="[01]"\} [1-9]/;

/** The collector's /metrics once a demo scrape is counted with a `worker` label, or the last one read. */
export async function metricsAfterWorkerScrape(base: string): Promise<string> {
  let metrics = '';
  for (let i = 0; i < 300; i++) {
    metrics = await (await fetch(`${base}/metrics`)).text();
    if (WORKER_SCRAPED.test(metrics)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return metrics;
}

export { WORKER_SCRAPED };

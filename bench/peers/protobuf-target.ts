/**
 * The loopback target of the native-histogram scenario (bench/peers/run.ts `--scenarios
 * native`): one static protobuf exposition page with native histograms (the application payload
 * of bench/payload/application.ts, each histogram Metric given native buckets by
 * bench/lib/protobuf-page.ts), served by TargetServer (its staticPage) at /t/<i>/metrics with the
 * protobuf Content-Type, gzip when accepted, counted as TargetServer counts, with samples per page
 * as an agent scraping native histograms ingests them (the reference reading: float samples plus
 * one per native histogram; classic buckets not kept).
 */
import { collectPayload } from '../payload/generate';
import { toProtobufPage } from '../lib/protobuf-page';
import { TargetServer } from './target-server';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';

/** The page and what an agent reading native histograms makes of it. */
export interface NativePage {
  body: Buffer;
  /** Bytes of the text page it was made from. */
  textBytes: number;
  floatSamples: number;
  histograms: number;
}

/** The application page of about `textBytes` of text, as a protobuf page with native histograms. */
export function nativePage(textBytes: number, seed = 1): NativePage {
  const { chunks, stats } = collectPayload({ kind: 'application', sizeBytes: textBytes, seed, chunkBytes: 64 * 1024 });
  const body = Buffer.from(toProtobufPage(Buffer.concat(chunks).toString('utf8'), { native: true }));
  /* eslint-disable-next-line @typescript-eslint/no-require-imports -- test code, loaded only when the benchmark runs */
  const { parseProtobufReference } = require('../../test/support/protobuf-reference') as typeof import('../../test/support/protobuf-reference');
  const read = parseProtobufReference(body, { scrapeNativeHistograms: true });
  return { body, textBytes: stats.bytes, floatSamples: read.samples.length, histograms: read.histograms.length };
}

/** A TargetServer whose every target serves `page` (gzipped when accepted), counted per page as an agent reading native histograms ingests it. */
export class ProtobufTargetServer extends TargetServer {
  constructor(readonly page: NativePage, targets = 1, gzipLevel = 1) {
    super({
      kind: 'application',
      sizeBytes: page.textBytes,
      targets,
      gzipLevel,
      staticPage: { body: page.body, contentType: PROTOBUF_CONTENT_TYPE, samples: page.floatSamples + page.histograms },
    });
  }

  /** Samples an agent ingests per page served. */
  get samplesPerPage(): number {
    return this.page.floatSamples + this.page.histograms;
  }
}

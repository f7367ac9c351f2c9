import {
  ACCEPT_OPENMETRICS,
  ACCEPT_TEXT_ONLY,
  bodyEncoding,
  formatFromContentType,
  scrapeTimeoutSeconds,
} from '../../src/scrape/negotiation';

describe('negotiation', () => {
  it('builds the Accept headers Prometheus sends for the text protocols', () => {
    expect(ACCEPT_OPENMETRICS).toBe(
      'application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
    );
    expect(ACCEPT_TEXT_ONLY).toBe('text/plain;version=0.0.4;q=0.5,*/*;q=0.4');
  });

  it.each([
    ['application/openmetrics-text; version=1.0.0; charset=utf-8', 'openmetrics'],
    [' APPLICATION/OPENMETRICS-TEXT ', 'openmetrics'],
    ['application/openmetrics-textual', 'text'],
    ['text/plain;version=0.0.4', 'text'],
    ['application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily', 'text'],
    ['', 'text'],
  ])('chooses the format of Content-Type %j: %s', (contentType, format) => {
    expect(formatFromContentType(contentType)).toBe(format);
  });

  it.each([
    [10_000, '10'],
    [500, '0.5'],
    [2250, '2.25'],
    [90_000, '90'],
  ])('prints a %i ms timeout as %s seconds', (ms, seconds) => {
    expect(scrapeTimeoutSeconds(ms)).toBe(seconds);
  });

  it('reads Content-Encoding', () => {
    expect(bodyEncoding(undefined)).toBe('identity');
    expect(bodyEncoding('identity')).toBe('identity');
    expect(bodyEncoding('GZIP')).toBe('gzip');
    expect(bodyEncoding('x-gzip')).toBe('gzip');
    expect(bodyEncoding('br')).toEqual({ unsupported: 'br' });
  });
});

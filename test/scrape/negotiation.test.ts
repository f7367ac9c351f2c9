/**
 * The Accept header and the parser choice against Prometheus 3's own expectations: the header
 * strings are the ones prometheus/prometheus asserts for acceptHeader (scrape/scrape_test.go,
 * TestAcceptHeader, main at d15adb9ad7e5; the same function since v3.5), built from
 * config.ScrapeProtocolsHeaders (config/config.go). The Content-Type cases are those of
 * model/textparse/interface_test.go TestNewParser, with Prometheus's messages.
 *
 * Debian's prometheus 2.42 cannot be asked: scrape_protocols arrived in 2.49 (its promtool
 * refuses the field), and its fixed Accept header predates the escaping parameter.
 * test/scrape/negotiation-http.test.ts checks the header on the wire.
 */
import type { ScrapeProtocol } from '../../src/config/scrape-protocols';
import {
  ACCEPT_TEXT_ONLY,
  DEFAULT_ACCEPT,
  acceptHeader,
  bodyEncoding,
  formatFromContentType,
  parseMediaType,
  scrapeTimeoutSeconds,
} from '../../src/scrape/negotiation';

const ALL: ScrapeProtocol[] = ['PrometheusProto', 'OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4'];

describe('the Accept header', () => {
  test('with the default protocols is Prometheus 3\'s default header', () => {
    const expected = 'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,'
      + 'text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2';
    expect(DEFAULT_ACCEPT).toBe(expected);
    expect(acceptHeader()).toBe(expected);
  });

  test.each([
    // scrape_test.go TestAcceptHeader, the cases without protobuf first.
    [['OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4'], 'underscores',
      'application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,'
      + 'text/plain;version=1.0.0;escaping=underscores;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2'],
    // The weights do not depend on what is offered: protobuf first moves everything one step down.
    [ALL, 'dots',
      'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,'
      + 'application/openmetrics-text;version=1.0.0;escaping=dots;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,'
      + 'text/plain;version=1.0.0;escaping=dots;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1'],
    [ALL, 'allow-utf-8',
      'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,'
      + 'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,'
      + 'text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1'],
    // Only the 1.0.0 formats carry the escaping parameter.
    [['PrometheusText0.0.4'], 'values', 'text/plain;version=0.0.4;q=0.6,*/*;q=0.5'],
    [['PrometheusText1.0.0', 'OpenMetricsText0.0.1'], 'values',
      'text/plain;version=1.0.0;escaping=values;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,*/*;q=0.4'],
  ] as const)('offers %j with escaping=%s', (protocols, escaping, expected) => {
    expect(acceptHeader(protocols, escaping)).toBe(expected);
  });

  test('text only is PrometheusText0.0.4 alone', () => {
    expect(ACCEPT_TEXT_ONLY).toBe('text/plain;version=0.0.4;q=0.6,*/*;q=0.5');
  });
});

describe('the parser chosen from Content-Type', () => {
  test.each([
    // interface_test.go TestNewParser: recognised media types, whatever their parameters.
    ['application/openmetrics-text', undefined, { format: 'openmetrics' }],
    ['application/openmetrics-text; charset=utf-8', undefined, { format: 'openmetrics' }],
    ['application/openmetrics-text; version=1.0.0; charset=utf-8', undefined, { format: 'openmetrics' }],
    ['text/plain', undefined, { format: 'text' }],
    ['text/plain; version=0.0.4', undefined, { format: 'text' }],
    // Case and blanks as Go's mime package takes them; a trailing semicolon is allowed.
    [' APPLICATION/OPENMETRICS-TEXT ', undefined, { format: 'openmetrics' }],
    ['Text/Plain;Version=0.0.4;', undefined, { format: 'text' }],
    // Prometheus 3's UTF-8 exposition: the escaping parameter is reported, the names are read as written.
    ['text/plain; version=1.0.0; escaping=allow-utf-8', undefined, { format: 'text', escaping: 'allow-utf-8' }],
    ['application/openmetrics-text; version=1.0.0; escaping=underscores; charset=utf-8', undefined, { format: 'openmetrics', escaping: 'underscores' }],
    ['text/plain; version=1.0.0; escaping="allow-utf-8"', undefined, { format: 'text', escaping: 'allow-utf-8' }],
  ] as const)('%j (fallback %s): %j', (contentType, fallback, expected) => {
    expect(formatFromContentType(contentType, fallback)).toEqual(expected);
  });

  test.each([
    ['', undefined,
      'non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target'],
    ['text/html', undefined,
      'received unsupported Content-Type "text/html" and no fallback_scrape_protocol specified for target'],
    ['application/openmetrics-textual', undefined,
      'received unsupported Content-Type "application/openmetrics-textual" and no fallback_scrape_protocol specified for target'],
    ['invalid/', undefined, 'cannot parse Content-Type "invalid/" and no fallback_scrape_protocol for target: mime: expected token after slash'],
    ['invalid/invalid/invalid', undefined,
      'cannot parse Content-Type "invalid/invalid/invalid" and no fallback_scrape_protocol for target: mime: unexpected content after media subtype'],
    ['/', undefined, 'cannot parse Content-Type "/" and no fallback_scrape_protocol for target: mime: no media type'],
    ['application/openmetrics-text; charset=UTF-8; charset=utf-8', undefined,
      'cannot parse Content-Type "application/openmetrics-text; charset=UTF-8; charset=utf-8" and no fallback_scrape_protocol for target: '
      + 'mime: duplicate parameter name'],
  ] as const)('%j without a fallback fails the scrape: %s', (contentType, fallback, problem) => {
    expect(formatFromContentType(contentType, fallback)).toEqual({ problem });
  });

  test.each([
    ['', 'PrometheusText0.0.4', 'text', 'non-compliant scrape target sending blank Content-Type, using fallback_scrape_protocol "PrometheusText0.0.4"'],
    ['text/html', 'PrometheusText0.0.4', 'text',
      'received unsupported Content-Type "text/html", using fallback_scrape_protocol "PrometheusText0.0.4"'],
    ['invalid/', 'OpenMetricsText0.0.1', 'openmetrics',
      'could not parse received Content-Type "invalid/" (mime: expected token after slash), using fallback_scrape_protocol "OpenMetricsText0.0.1"'],
    ['invalid/invalid/invalid', 'PrometheusText1.0.0', 'text',
      'could not parse received Content-Type "invalid/invalid/invalid" (mime: unexpected content after media subtype), '
      + 'using fallback_scrape_protocol "PrometheusText1.0.0"'],
    ['application/openmetrics-text; charset=UTF-8; charset=utf-8', 'OpenMetricsText1.0.0', 'openmetrics',
      'could not parse received Content-Type "application/openmetrics-text; charset=UTF-8; charset=utf-8" (mime: duplicate parameter name), '
      + 'using fallback_scrape_protocol "OpenMetricsText1.0.0"'],
  ] as const)('%j with fallback %s is read as %s', (contentType, fallback, format, problem) => {
    expect(formatFromContentType(contentType, fallback)).toEqual({ format, problem });
  });

  test('protobuf is read as protobuf, fallback or not, whatever its proto= and encoding= (Prometheus looks at the media type only)', () => {
    for (const fallback of [undefined, 'PrometheusText0.0.4'] as const) {
      const contentType = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';
      expect(formatFromContentType(contentType, fallback)).toEqual({ format: 'protobuf' });
      expect(formatFromContentType('application/vnd.google.protobuf', fallback)).toEqual({ format: 'protobuf' });
    }
    expect(formatFromContentType('', 'PrometheusProto')).toEqual({
      format: 'protobuf', problem: 'non-compliant scrape target sending blank Content-Type, using fallback_scrape_protocol "PrometheusProto"',
    });
  });
});

describe('Go\'s mime.ParseMediaType', () => {
  test.each([
    ['text/plain', 'text/plain', {}],
    ['text', 'text', {}],
    ['TEXT/Plain ; Version = 0.0.4 ; charset=utf-8', 'text/plain', { version: '0.0.4', charset: 'utf-8' }],
    ['a/b; q="x\\"y"', 'a/b', { q: 'x"y' }],
    ['a/b; x=1;', 'a/b', { x: '1' }],
    ['a/b; x*0=1; x*1=2', 'a/b', { 'x*0': '1', 'x*1': '2' }],
  ])('%j is %s %j', (value, mediaType, parameters) => {
    expect(parseMediaType(value)).toEqual({ mediaType, parameters: new Map(Object.entries(parameters)) });
  });

  test.each([
    ['', 'mime: no media type'],
    ['a b', 'mime: expected slash after first token'],
    ['a/', 'mime: expected token after slash'],
    ['a/b c', 'mime: unexpected content after media subtype'],
    ['a/b; x', 'mime: invalid media parameter'],
    ['a/b; x=', 'mime: invalid media parameter'],
    ['a/b; x=""', 'mime: invalid media parameter'],
    ['a/b; x="unterminated', 'mime: invalid media parameter'],
    ['a/b; x=1 y=2', 'mime: invalid media parameter'],
    ['a/b; x=1; X=2', 'mime: duplicate parameter name'],
  ])('%j is refused: %s', (value, error) => {
    expect(parseMediaType(value)).toEqual({ error });
  });
});

describe('other headers', () => {
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

import { ScrapewireError } from '../../src/errors';
import { createLogger, type LogLevel } from '../../src/server/logger';

function capture(level: LogLevel = 'info') {
  const lines: string[] = [];
  const logger = createLogger({ level, destination: { write: (line: string) => void lines.push(line) } });
  return { logger, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>), raw: () => lines.join('') };
}

describe('createLogger', () => {
  test('writes one JSON record per line with a level label, ISO time and message', () => {
    const { logger, records } = capture();
    logger.info({ target: 'http://h/metrics' }, 'scrape failed');
    const [record] = records();
    expect(record).toMatchObject({ level: 'info', name: 'scrapewire', target: 'http://h/metrics', msg: 'scrape failed' });
    expect(record.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  test('honours the level', () => {
    const { logger, records } = capture('warn');
    logger.info({}, 'hidden');
    logger.warn({}, 'shown');
    expect(records().map((r) => r.msg)).toEqual(['shown']);
  });

  test('never logs a password, bearer token, credentials or authorization header, however deep', () => {
    const { logger, raw, records } = capture();
    logger.info({ password: 'pw-top' }, 'top level');
    logger.info({ basic_auth: { username: 'alice', password: 'pw-nested' } }, 'nested');
    logger.info(
      {
        config: {
          scrape_configs: [{ job_name: 'k', basic_auth: { username: 'bob', password: 'pw-deep' }, bearer_token: 'tok-deep' }],
          remote_write: [{ url: 'http://rw', authorization: { type: 'Bearer', credentials: 'cred-deep' } }],
        },
      },
      'config',
    );
    logger.info({ req: { headers: { authorization: 'Bearer tok-header', 'proxy-authorization': 'Basic pa', cookie: 'c=1' } } }, 'request');
    logger.info({ credentials: 'cred-top' }, 'credentials');
    const text = raw();
    for (const secret of ['pw-top', 'pw-nested', 'pw-deep', 'tok-deep', 'cred-deep', 'tok-header', 'Basic pa', 'c=1', 'cred-top']) {
      expect(text).not.toContain(secret);
    }
    const [top, nested, config] = records();
    expect(top.password).toBe('<secret>');
    // What is not a secret is kept.
    expect(nested.basic_auth).toEqual({ username: 'alice', password: '<secret>' });
    expect((config.config as { scrape_configs: Array<{ job_name: string }> }).scrape_configs[0].job_name).toBe('k');
  });

  test('does not modify the logged object', () => {
    const { logger } = capture();
    const auth = { username: 'alice', password: 'pw' };
    logger.info({ basic_auth: auth }, 'x');
    expect(auth.password).toBe('pw');
  });

  test('rejects an unknown level with a usage error', () => {
    expect(() => createLogger({ level: 'verbose' as LogLevel })).toThrow(ScrapewireError);
    expect(() => createLogger({ level: 'verbose' as LogLevel })).toThrow('log level "verbose"');
  });
});

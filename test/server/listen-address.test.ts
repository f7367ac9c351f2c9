import { ScrapewireError } from '../../src/errors';
import { formatListenAddress, parseListenAddress } from '../../src/server/listen-address';

describe('parseListenAddress', () => {
  test.each([
    ['127.0.0.1:9090', { host: '127.0.0.1', port: 9090 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
    ['[::1]:9090', { host: '::1', port: 9090 }],
    [':9090', { host: undefined, port: 9090 }],
  ])('%p', (text, parsed) => expect(parseListenAddress(text)).toEqual(parsed));

  test.each([
    ['9090', 'expected host:port'],
    ['127.0.0.1:', 'port "" is not a number'],
    ['127.0.0.1:70000', 'port "70000" is not a number'],
    ['127.0.0.1:http', 'port "http" is not a number'],
    ['::1:9090', 'must be written in brackets'],
    ['[::1]9090', 'expected [ipv6]:port'],
  ])('rejects %p', (text, reason) => {
    let caught: unknown;
    try {
      parseListenAddress(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ScrapewireError);
    expect((caught as ScrapewireError).code).toBe('ERR_USAGE');
    expect((caught as ScrapewireError).message).toContain(`"${text}"`);
    expect((caught as ScrapewireError).message).toContain(reason);
  });

  test('formats IPv6 hosts in brackets', () => {
    expect(formatListenAddress('::1', 80)).toBe('[::1]:80');
    expect(formatListenAddress('127.0.0.1', 80)).toBe('127.0.0.1:80');
  });
});

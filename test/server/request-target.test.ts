import { parseRequestTarget } from '../../src/server/request-target';

describe('parseRequestTarget', () => {
  test.each([
    ['/metrics', '/metrics', ''],
    ['/api/v1/targets?state=active', '/api/v1/targets', 'state=active'],
    ['/debug/profile?seconds=%ZZ', '/debug/profile', 'seconds=%25ZZ'],
    ['//[x/', '//[x/', ''],
    ['/a#frag', '/a', ''],
    ['http://host:9090/-/healthy', '/-/healthy', ''],
    ['HTTP://host', '/', ''],
    ['http://host?x=1', '/', 'x=1'],
  ])('%s -> path %s, query %s', (raw, path, query) => {
    const target = parseRequestTarget(raw);
    expect(target?.path).toBe(path);
    expect(target?.query.toString()).toBe(query);
  });

  test.each([
    undefined,
    '',
    '*',
    'host:443',
    'http://[::1/',
    'http://a%00b/',
    'http://[x/',
    'ftp://host/',
    '/ä',
    '/a b',
    '/a\u0000',
    `/${'a'.repeat(9000)}`,
  ])('%j is refused', (raw) => {
    expect(parseRequestTarget(raw)).toBeUndefined();
  });
});

import bcrypt from 'bcryptjs';
import { BasicAuthenticator, parseBasicAuthorization } from '../../src/server/basic-auth';

const basic = (text: string): string => `Basic ${Buffer.from(text).toString('base64')}`;

describe('parseBasicAuthorization', () => {
  test.each([
    [basic('alice:pw'), { user: 'alice', password: 'pw' }],
    [basic('alice:pw:with:colons'), { user: 'alice', password: 'pw:with:colons' }],
    [basic(':'), { user: '', password: '' }],
    [`basic ${Buffer.from('a:b').toString('base64')}`, { user: 'a', password: 'b' }],
  ])('%s', (header, expected) => {
    expect(parseBasicAuthorization(header)).toEqual(expected);
  });

  test.each([undefined, '', 'Bearer x', basic('no-colon'), 'Basic !!!', `Basic ${'A'.repeat(5000)}`])('%j is not basic credentials', (header) => {
    expect(parseBasicAuthorization(header)).toBeUndefined();
  });
});

describe('BasicAuthenticator', () => {
  const users = new Map([['alice', bcrypt.hashSync('wonderland', 4)], ['yves', bcrypt.hashSync('x', 4).replace(/^\$2b\$/, '$2y$')]]);

  test('right and wrong passwords, unknown users, $2y$ hashes (htpasswd)', async () => {
    const auth = new BasicAuthenticator();
    expect(await auth.check(users, { user: 'alice', password: 'wonderland' })).toBe('ok');
    expect(await auth.check(users, { user: 'alice', password: 'wonderland' })).toBe('ok');
    expect(await auth.check(users, { user: 'alice', password: 'Wonderland' })).toBe('denied');
    expect(await auth.check(users, { user: 'bob', password: 'wonderland' })).toBe('denied');
    expect(await auth.check(users, { user: 'yves', password: 'x' })).toBe('ok');
    expect(await auth.check(users, undefined)).toBe('denied');
  });

  test('a cached success does not outlive a change of the hash', async () => {
    const auth = new BasicAuthenticator();
    expect(await auth.check(users, { user: 'alice', password: 'wonderland' })).toBe('ok');
    const changed = new Map([['alice', bcrypt.hashSync('other', 4)]]);
    expect(await auth.check(changed, { user: 'alice', password: 'wonderland' })).toBe('denied');
  });

  test('passwords over 72 bytes are refused (bcrypt would ignore the rest)', async () => {
    const long = 'p'.repeat(72);
    const withLong = new Map([['alice', bcrypt.hashSync(long, 4)]]);
    const auth = new BasicAuthenticator();
    expect(await auth.check(withLong, { user: 'alice', password: long })).toBe('ok');
    expect(await auth.check(withLong, { user: 'alice', password: `${long}extra` })).toBe('denied');
  });

  test('a flood of uncached checks is refused as busy beyond the queue, without hashing', async () => {
    const slow = new Map([['alice', bcrypt.hashSync('pw', 8)]]);
    const auth = new BasicAuthenticator();
    const outcomes = await Promise.all(Array.from({ length: 40 }, (_, i) => auth.check(slow, { user: 'alice', password: `wrong${i}` })));
    expect(outcomes.filter((o) => o === 'busy')).toHaveLength(40 - 2 - 32);
    expect(outcomes.filter((o) => o === 'denied')).toHaveLength(34);
    // Once the queue drained, checks run again.
    expect(await auth.check(slow, { user: 'alice', password: 'pw' })).toBe('ok');
  });
});

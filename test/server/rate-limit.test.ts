import { TokenBucket } from '../../src/server/rate-limit';

test('a token bucket allows its burst, then one request per interval', () => {
  let now = 0;
  const bucket = new TokenBucket(100, 3, () => now);
  expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
  now += 99;
  expect(bucket.take()).toBe(false);
  now += 1;
  expect([bucket.take(), bucket.take()]).toEqual([true, false]);
  now += 10_000;
  expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
});

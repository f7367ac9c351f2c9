import { scrubUserinfo, urlWithoutUserinfo } from '../../src/server/redact-url';

describe('urlWithoutUserinfo', () => {
  test('drops user and password, keeps path and query', () => {
    expect(urlWithoutUserinfo('https://admin:s3cret@example.com:8443/metrics?x=1')).toBe('https://example.com:8443/metrics?x=1');
    expect(urlWithoutUserinfo('http://user@example.com/metrics')).toBe('http://example.com/metrics');
  });

  test('leaves a URL without userinfo exactly as it was', () => {
    expect(urlWithoutUserinfo('http://10.0.0.1:9100/metrics')).toBe('http://10.0.0.1:9100/metrics');
  });

  test('scrubs text that is not a URL', () => {
    expect(urlWithoutUserinfo('not a url http://a:b@h/')).toBe('not a url http://h/');
  });
});

describe('scrubUserinfo', () => {
  test('removes userinfo from every URL inside an error message', () => {
    const message = 'Get "https://bob:hunter2@10.0.0.1:10250/metrics": EOF; retried http://x:y@other/';
    expect(scrubUserinfo(message)).toBe('Get "https://10.0.0.1:10250/metrics": EOF; retried http://other/');
  });

  test('keeps an @ that is not in a URL', () => {
    expect(scrubUserinfo('mail bob@example.com about http://host/path@v2')).toBe('mail bob@example.com about http://host/path@v2');
  });
});

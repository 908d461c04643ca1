import { checkAddress, checkWebhookUrl } from './webhook-url.policy';
import { webhookSignature } from './webhook.sender';

const strict = { allowLoopback: false };
const demo = { allowLoopback: true };

describe('webhook URL policy', () => {
  it('accepts https to names and public addresses', () => {
    expect(checkWebhookUrl('https://hooks.example.com/oshift?x=1', strict).toString()).toBe(
      'https://hooks.example.com/oshift?x=1',
    );
    expect(() => checkWebhookUrl('https://203.0.113.7:8443/hook', strict)).not.toThrow();
  });

  it.each([
    ['http://hooks.example.com/', 'webhook URLs must be https://'],
    ['gopher://hooks.example.com/', 'webhook URLs must be https://'],
    ['not a url', 'not a URL'],
    ['https://a:b@hooks.example.com/', 'credentials do not belong in a webhook URL'],
    ['https://169.254.169.254/', 'link-local'],
    ['https://169.254.10.1/', 'link-local'],
    ['https://[fe80::1]/', 'link-local'],
    ['https://[::ffff:169.254.169.254]/', 'link-local'],
    ['https://[fd00:ec2::254]/', 'metadata'],
    ['https://100.100.100.200/', 'metadata'],
    ['https://0.0.0.0/', 'non-unicast'],
    ['https://224.0.0.1/', 'non-unicast'],
    ['https://metadata.google.internal./', 'metadata services'],
    ['https://127.0.0.1/', 'loopback'],
    ['https://[::1]/', 'loopback'],
    ['http://localhost:8080/', 'http:// is allowed only to loopback, and not here'],
  ])('refuses %s', (url, reason) => {
    expect(() => checkWebhookUrl(url, strict)).toThrow(reason);
  });

  it('lets a deployment that allows it reach loopback, over http too, but never link-local', () => {
    expect(() => checkWebhookUrl('http://127.0.0.1:9000/hook', demo)).not.toThrow();
    expect(() => checkWebhookUrl('http://localhost:9000/hook', demo)).not.toThrow();
    expect(() => checkWebhookUrl('http://10.0.0.5/hook', demo)).toThrow('webhook URLs must be https://');
    expect(() => checkAddress('169.254.169.254', demo)).toThrow('link-local');
    expect(() => checkAddress('::ffff:127.0.0.1', strict)).toThrow('loopback');
  });

  it('signs the exact body bytes: sha256=<hex HMAC-SHA256>', () => {
    // RFC 4231 test case 2.
    expect(webhookSignature(Buffer.from('what do ya want for nothing?'), 'Jefe')).toBe(
      'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });
});

import { metricsAccessAllowed } from './metrics-token';
import { cachedRead } from './scrape-cache';

describe('cachedRead', () => {
  it('shares one read between scrapes within the time to live, then reads again', async () => {
    let now = 0;
    let reads = 0;
    const read = cachedRead(
      async () => ++reads,
      5000,
      () => now,
    );
    expect(await Promise.all([read(), read()])).toEqual([1, 1]);
    now = 4999;
    expect(await read()).toBe(1);
    now = 5000;
    expect(await read()).toBe(2);
  });

  it('does not keep a failed read', async () => {
    let fail = true;
    const read = cachedRead(async () => {
      if (fail) throw new Error('down');
      return 'ok';
    }, 60000);
    await expect(read()).rejects.toThrow('down');
    fail = false;
    expect(await read()).toBe('ok');
  });
});

describe('metricsAccessAllowed', () => {
  it('allows everyone without a token, and only the exact bearer token with one', () => {
    expect(metricsAccessAllowed(undefined, undefined)).toBe(true);
    expect(metricsAccessAllowed(undefined, 'secret-token')).toBe(false);
    expect(metricsAccessAllowed('Basic c2VjcmV0LXRva2Vu', 'secret-token')).toBe(false);
    expect(metricsAccessAllowed('Bearer secret-toke', 'secret-token')).toBe(false);
    expect(metricsAccessAllowed('Bearer secret-token', 'secret-token')).toBe(true);
    expect(metricsAccessAllowed('bearer secret-token', 'secret-token')).toBe(true);
  });
});

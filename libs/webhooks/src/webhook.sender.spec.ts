import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WEBHOOK_TIMEOUT_MS, WebhookSender, webhookSignature } from './webhook.sender';

/** A receiver on loopback whose answer the test decides. */
async function receiver(answer: (request: IncomingMessage, response: ServerResponse) => void) {
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request);
    request.resume();
    request.on('end', () => answer(request, response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, requests, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('WebhookSender', () => {
  const sender = new WebhookSender({ allowLoopback: true });

  it('counts a 2xx as delivered and anything else, a redirect included, as failed, without following it', async () => {
    const target = await receiver((request, response) => {
      if (request.url === '/moved') response.writeHead(302, { location: '/elsewhere' }).end();
      else response.writeHead(request.url === '/ok' ? 204 : 500).end();
    });
    try {
      expect(await sender.send(`${target.url}/ok`, 'secret', { event: 'x' })).toEqual({
        ok: true,
        status: 204,
        error: null,
      });
      expect(await sender.send(`${target.url}/moved`, 'secret', { event: 'x' })).toEqual({
        ok: false,
        status: 302,
        error: 'HTTP 302',
      });
      expect(target.requests.map((request) => request.url)).toEqual(['/ok', '/moved']);
      expect(await sender.send(`${target.url}/broken`, 'secret', { event: 'x' })).toMatchObject({
        ok: false,
        status: 500,
      });
    } finally {
      await target.close();
    }
  });

  it(`gives a receiver ${WEBHOOK_TIMEOUT_MS / 1000} s to answer`, async () => {
    const target = await receiver(() => undefined); // never answers
    try {
      const startedAt = Date.now();
      const attempt = await sender.send(`${target.url}/slow`, 'secret', { event: 'x' });
      const took = Date.now() - startedAt;
      expect(attempt).toEqual({
        ok: false,
        status: null,
        error: `no answer within ${WEBHOOK_TIMEOUT_MS} ms`,
        refused: false,
      });
      expect(took).toBeGreaterThanOrEqual(WEBHOOK_TIMEOUT_MS - 50);
      expect(took).toBeLessThan(WEBHOOK_TIMEOUT_MS + 2000);
    } finally {
      await target.close();
    }
  });

  it('refuses a forbidden address before connecting, and loopback where it is not allowed', async () => {
    const strict = new WebhookSender({ allowLoopback: false });
    expect(await strict.send('http://127.0.0.1:9/x', 's', {})).toMatchObject({ ok: false, refused: true });
    expect(await sender.send('https://169.254.169.254/latest', 's', {})).toMatchObject({ ok: false, refused: true });
    // A name is checked again on the addresses it resolves to, before any connection.
    const rebinding = new WebhookSender({ allowLoopback: false }, 1000, ((
      _name: string,
      _options: unknown,
      done: (error: null, addresses: { address: string; family: number }[]) => void,
    ) => done(null, [{ address: '169.254.169.254', family: 4 }])) as never);
    expect(await rebinding.send('https://hooks.example.test/x', 's', {})).toEqual({
      ok: false,
      status: null,
      error:
        '169.254.169.254 is in 169.254.0.0/16 (link-local, where cloud metadata answers): never a webhook destination',
      refused: true,
    });
  });

  it('signs the exact body bytes: sha256=<hex HMAC-SHA256>', () => {
    // RFC 4231 test case 2.
    expect(webhookSignature(Buffer.from('what do ya want for nothing?'), 'Jefe')).toBe(
      'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });
});

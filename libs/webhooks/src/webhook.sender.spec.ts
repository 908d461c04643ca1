import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret, standardWebhookSignature, webhookSecretProblem } from './webhook-secret';
import { WEBHOOK_TIMEOUT_MS, WebhookSender, webhookSignature } from './webhook.sender';

/** A receiver on loopback whose answer the test decides; it keeps each request and its body. */
async function receiver(answer: (request: IncomingMessage, response: ServerResponse) => void) {
  const requests: IncomingMessage[] = [];
  const bodies: Buffer[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      bodies.push(Buffer.concat(chunks));
      answer(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, requests, bodies, close: () => new Promise((resolve) => server.close(resolve)) };
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

  it('signs as Standard Webhooks: a receiver on its library verifies with the secret as `webhook add` prints it', async () => {
    const target = await receiver((_request, response) => response.writeHead(204).end());
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(webhookSecretProblem(secret)).toBeNull();
    try {
      const before = Math.floor(Date.now() / 1000);
      await sender.send(`${target.url}/hook`, secret, { event: 'job.end', job_id: 'j1' }, 'a-delivery-id');
      const [request] = target.requests;
      const headers = request!.headers as Record<string, string>;
      expect(headers['webhook-id']).toBe('a-delivery-id');
      expect(headers['x-oshift-delivery']).toBe('a-delivery-id');
      expect(Number(headers['webhook-timestamp'])).toBeGreaterThanOrEqual(before);
      expect(Number(headers['webhook-timestamp'])).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
      expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      expect(new Webhook(secret).verify(target.bodies[0]!, headers)).toEqual({ event: 'job.end', job_id: 'j1' });
      // The same secret, as printed, keys X-Oshift-Signature (over the body alone).
      expect(headers['x-oshift-signature']).toBe(webhookSignature(target.bodies[0]!, secret));
    } finally {
      await target.close();
    }
  });

  it('signs like the Standard Webhooks library, and keys a pre-standard secret with its UTF-8 bytes (raw)', () => {
    const body = Buffer.from('{"test": 2432232314}');
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const at = 1614265330;
    expect(standardWebhookSignature(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', at, body)).toBe(
      new Webhook(secret).sign('msg_p5jXN8AQM9LWM0D4loKWxJek', new Date(at * 1000), body),
    );
    const legacy = 'whsec-an-operator-chosen-secret';
    expect(standardWebhookSignature(legacy, 'd1', at, body)).toBe(
      new Webhook(legacy, { format: 'raw' }).sign('d1', new Date(at * 1000), body),
    );
    for (const refused of [legacy, 'whsec_c2hvcnQ=', `whsec_${Buffer.alloc(65).toString('base64')}`, 'whsec_!!!!']) {
      expect(webhookSecretProblem(refused)).toBe(
        'the signing secret must be whsec_ and 24 to 64 bytes in base64 (as `webhook add` makes one)',
      );
    }
  });

  it.each([
    ['10.1.2.3', '10.1.2.3 is in 10.0.0.0/8 (private-use), not a global address'],
    ['192.168.0.10', '192.168.0.10 is in 192.168.0.0/16 (private-use), not a global address'],
    ['100.64.1.1', '100.64.1.1 is in 100.64.0.0/10 (shared address space), not a global address'],
    ['fd00::1', 'fd00::1 is in fc00::/7 (unique-local), not a global address'],
    ['::ffff:10.0.0.1', '::ffff:10.0.0.1 embeds 10.0.0.1 (IPv4-mapped), which is in 10.0.0.0/8'],
    ['64:ff9b::a00:1', '64:ff9b::a00:1 embeds 10.0.0.1 (NAT64), which is in 10.0.0.0/8'],
    ['2002:a00:1::1', '2002:a00:1::1 embeds 10.0.0.1 (6to4), which is in 10.0.0.0/8'],
  ])('refuses a name that resolves to %s at delivery, before connecting', async (address, reason) => {
    const resolvesInward = new WebhookSender({ allowLoopback: false }, 1000, ((
      _name: string,
      _options: unknown,
      done: (error: null, addresses: { address: string; family: number }[]) => void,
    ) =>
      done(null, [
        { address: '9.9.9.9', family: 4 },
        { address, family: address.includes(':') ? 6 : 4 },
      ])) as never);
    const attempt = await resolvesInward.send('https://hooks.example.test/x', 's', {});
    expect(attempt).toMatchObject({ ok: false, status: null, refused: true });
    expect(attempt.error).toContain(reason);
  });
});

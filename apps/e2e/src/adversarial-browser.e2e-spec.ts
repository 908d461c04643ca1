import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Request } from 'playwright-core';
import { AuditLog } from '@oshift/audit';
import { launchChromium } from '@oshift/testing';
import { basic } from './request-from';
import { SystemUnderTest, type TestUser } from './system-under-test';

const REFUSED = '{"error":"Cross-site request refused"}';

/** A page of another site: a form that posts itself to `action` as soon as it loads, as an attacker's would. */
function attackPage(action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${value}">`)
    .join('');
  return `<!doctype html><title>Cute cats</title><form method="post" action="${action}">${inputs}</form>
<script>document.forms[0].submit()</script>`;
}

/** A web server of another origin on the loopback: serves `pages` by path, nothing else. */
async function attackerSite(host: string, pages: Record<string, string>): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const page = pages[request.url ?? ''];
    response.writeHead(page ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' }).end(page ?? '');
  });
  await new Promise<void>((listening) => server.listen(0, host, listening));
  return { server, url: `http://${host}:${(server.address() as AddressInfo).port}` };
}

/**
 * The cross-site attack in Debian's chromium: a customer's browser holds the operator's Basic credentials for
 * the API (they opened an API address once), then visits a page of another site that auto-submits a form to
 * the API. The browser sends the credentials; the gateway must refuse the request all the same.
 */
describe('adversarial: the browser boundary', () => {
  let system: SystemUnderTest;
  let operator: TestUser;
  let browser: Browser;
  const sites: Server[] = [];
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    system = await SystemUnderTest.start({ publishedAtGateway: true });
    operator = await system.user(['read', 'reboot']);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    for (const site of sites) await new Promise((closed) => site.close(closed));
    await system?.stop();
  });

  async function newContext(options: { javaScriptEnabled?: boolean } = {}): Promise<BrowserContext> {
    const context = await browser.newContext(options);
    contexts.push(context);
    return context;
  }

  const api = (path: string) => `${system.baseUrl}/api/openshift/${system.clusterId}${path}`;
  const jobRows = async () =>
    Number(
      (
        (await system.dataSource.query(`SELECT count(*) AS n FROM jobs WHERE cluster_id = $1`, [system.clusterId])) as {
          n: string;
        }[]
      )[0].n,
    );

  it.each([
    ['another site (127.0.0.2: Sec-Fetch-Site cross-site)', '127.0.0.2'],
    ['another origin of the same site (another port: Sec-Fetch-Site same-site)', '127.0.0.1'],
  ])(
    'refuses a form that %s auto-submits with the credentials the browser keeps',
    async (_name, host) => {
      const pages = {
        '/rolling': attackPage(api('/rolling-reboot'), { type: 'HARD', role: 'all' }),
        '/reboot': attackPage(api('/reboot'), { target: 'master-0.openstacklocal', type: 'HARD' }),
      };
      const site = await attackerSite(host, pages);
      sites.push(site.server);
      const context = await newContext();
      const page = await context.newPage();

      // The customer opens an API address with the operator's credentials: the browser keeps them for the origin.
      const { username, password } = operator;
      const signedIn = await page.goto(api('/nodestatus').replace('http://', `http://${username}:${password}@`));
      expect(signedIn?.status()).toBe(200);

      for (const path of Object.keys(pages)) {
        const posted = page.waitForRequest((request) => request.method() === 'POST');
        await page.goto(`${site.url}${path}`);
        const request: Request = await posted;
        const response = await request.response();
        await page.waitForLoadState();
        // The browser did send the operator's credentials: only the gateway stands in the way.
        expect(await request.headerValue('authorization')).toBe(basic(username, password));
        expect(await request.headerValue('origin')).toBe(site.url);
        expect([response?.status(), await response?.text()]).toEqual([403, REFUSED]);
      }

      await new Promise((done) => setTimeout(done, 500)); // what a worker would have picked up by now
      const nodes = (await (
        await fetch(api('/nodestatus'), { headers: { authorization: basic(operator.username, operator.password) } })
      ).json()) as {
        nodename: string;
      }[];
      expect(nodes.map((node) => system.simulator.rebootActions(node.nodename))).toEqual(nodes.map(() => 0));
      expect(await jobRows()).toBe(0);
      const audit = await AuditLog.query(system.dataSource, { clusterId: system.clusterId });
      expect(audit.filter((event) => event.actor === username)).toEqual([]);
    },
    60_000,
  );

  it('the sign-in form posts and stays disabled without its script, so a password never lands in a URL', async () => {
    const context = await newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const sent: string[] = [];
    page.on('request', (request) => sent.push(`${request.method()} ${request.url()} ${request.postData() ?? ''}`));
    await page.goto(`${system.baseUrl}/`);

    const form = page.locator('#sign-in-form');
    expect(await form.getAttribute('method')).toBe('post');
    const button = page.getByRole('button', { name: 'Sign in', exact: true });
    expect(await button.isDisabled()).toBe(true);

    const secret = `pw-${Date.now()}`;
    await page.getByLabel('Username').fill(operator.username);
    await page.getByLabel('Password').fill(secret);
    await page.getByLabel('Password').press('Enter'); // implicit submission: none while the button is disabled
    await page.waitForTimeout(500);
    expect(page.url()).toBe(`${system.baseUrl}/`);
    expect(sent.filter((line) => line.includes(secret))).toEqual([]);
  });

  it('a form posted to the page without its script gets a JSON error, and the password goes nowhere', async () => {
    const secret = `pw-${Date.now()}`;
    const body = new URLSearchParams({ username: operator.username, password: secret }).toString();
    const answer = await fetch(`${system.baseUrl}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: system.baseUrl },
      body,
    });
    expect([answer.status, answer.headers.get('content-type'), await answer.text()]).toEqual([
      404,
      'application/json; charset=utf-8',
      '{"error":"Not Found"}',
    ]);
    await new Promise((done) => setTimeout(done, 200));
    expect(system.gateway.logs).not.toContain(secret);
  });
});

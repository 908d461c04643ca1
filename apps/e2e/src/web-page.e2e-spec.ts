import { join } from 'node:path';
import axe from 'axe-core';
import { DateTime } from 'luxon';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { launchChromium, testOutputDir } from '@oshift/testing';
import { followJob, startReboot } from './job-polling';
import { SystemUnderTest, type TestUser } from './system-under-test';

const PHONE = { width: 390, height: 844 };

/**
 * The customers' web page in a real browser (Debian's chromium, driven by playwright-core) against the running
 * system. Each step leaves a screenshot under tmp/test-output/web-page/.
 */
describe('the web page, in a real browser', () => {
  let system: SystemUnderTest;
  let browser: Browser;
  let viewer: TestUser;
  let operator: TestUser;
  const shots = testOutputDir('web-page');
  const problems: string[] = [];
  const contexts: BrowserContext[] = [];

  /** A fresh browser context (no shared state) whose console errors (CSP violations included) fail the suite. */
  async function openPage(viewport = { width: 1100, height: 800 }, options: BrowserContextOptions = {}): Promise<Page> {
    const context = await browser.newContext({ viewport, ...options });
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of 40[14]/.test(message.text())) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.goto(`${system.baseUrl}/`);
    return page;
  }

  const screenshot = (page: Page, name: string) =>
    page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  async function signIn(page: Page, user: TestUser): Promise<void> {
    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  const nodeRows = (page: Page) => page.locator('#node-rows tr');

  /**
   * What axe-core finds against WCAG 2.1 A and AA in the page as it is now, one `rule: element` per problem
   * (the page's CSP allows no inline script: the pages audited are opened with `bypassCSP`).
   */
  async function wcagViolations(page: Page): Promise<string[]> {
    if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.addScriptTag({ content: axe.source });
    const result = (await page.evaluate(
      `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })`,
    )) as axe.AxeResults;
    return result.violations.flatMap((violation) =>
      violation.nodes.map((node) => `${violation.id}: ${node.target.join(' ')}`),
    );
  }

  beforeAll(async () => {
    system = await SystemUnderTest.start({ knobs: { rebootDurationMs: 1500 }, publishedAtGateway: true });
    viewer = await system.user(['read']);
    operator = await system.user(['read', 'reboot']);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await system?.stop();
  });

  afterEach(() => {
    expect(problems.splice(0)).toEqual([]);
  });

  it('is served at / with a strict CSP and cache validators; the API stays JSON', async () => {
    const page = await fetch(`${system.baseUrl}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const etag = page.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await fetch(`${system.baseUrl}/`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const script = await fetch(`${system.baseUrl}/assets/app.js`);
    expect([script.status, script.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    const missing = await fetch(`${system.baseUrl}/assets/..%2Fpackage.json`);
    expect([missing.status, await missing.text()]).toEqual([404, '{"error":"Not Found"}']);
    const api = await fetch(`${system.baseUrl}/api/openshift/${system.clusterId}/nodestatus`);
    expect([api.status, await api.text()]).toEqual([401, '{"error":"Unauthorized"}']);
  });

  it('says so when the password is wrong', async () => {
    const page = await openPage();
    await screenshot(page, '01-sign-in');
    await signIn(page, { ...viewer, password: 'not-the-password' });
    await page.getByRole('alert').filter({ hasText: 'Wrong username or password.' }).waitFor();
    await screenshot(page, '02-wrong-password');
    expect(await page.getByRole('table').isVisible()).toBe(false);
  });

  it('shows the read-only user the nodes with their status, and no reboot button', async () => {
    const page = await openPage();
    await signIn(page, viewer);
    await page.getByRole('cell', { name: 'worker-0.openstacklocal' }).waitFor();
    expect(await nodeRows(page).count()).toBe(10);
    expect(await page.getByRole('combobox', { name: 'Cluster' }).inputValue()).toBe(system.clusterId);
    expect(await page.getByText(`Signed in as ${viewer.username}`).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: /^Reboot / }).count()).toBe(0);
    await screenshot(page, '03-read-only');
  });

  it('shows the cluster’s maintenance windows to any of its users', async () => {
    await system.setRebootPolicy({ windows: ['Sat-Sun 01:00-05:00 Europe/London'] });
    try {
      const page = await openPage();
      await signIn(page, viewer);
      await page.getByRole('cell', { name: 'worker-0.openstacklocal' }).waitFor();
      const windows = page.getByRole('list', { name: 'Maintenance windows' });
      await windows.waitFor();
      expect(await windows.getByRole('listitem').allTextContents()).toEqual(['Sat-Sun 01:00-05:00 Europe/London']);
    } finally {
      await system.setRebootPolicy(null);
    }
  });

  it('lets the operator reboot a node after confirming, streams its output and shows Done', async () => {
    const page = await openPage();
    await signIn(page, operator);
    const reboot = page.getByRole('button', { name: 'Reboot worker-0.openstacklocal' });
    await reboot.waitFor();
    expect(await page.getByRole('button', { name: /^Reboot / }).count()).toBe(10);
    await screenshot(page, '04-operator');
    const jobRequests: { url: string; accept?: string }[] = [];
    page.on('request', (request) => {
      if (/\/job\//.test(request.url())) jobRequests.push({ url: request.url(), accept: request.headers().accept });
    });
    await reboot.click();
    const dialog = page.getByRole('dialog', { name: 'Reboot worker-0.openstacklocal?' });
    await dialog.waitFor();
    expect(await dialog.getByRole('radio', { name: /^SOFT/ }).isChecked()).toBe(true);
    expect(await dialog.getByRole('radio', { name: /^HARD/ }).isChecked()).toBe(false);
    await screenshot(page, '05-confirm');
    await dialog.getByRole('button', { name: 'Reboot', exact: true }).click();
    const log = page.getByRole('log', { name: 'Job output' });
    await log.filter({ hasText: 'worker-0.openstacklocal REBOOT' }).waitFor();
    await screenshot(page, '06-rebooting');
    await page.getByRole('status').filter({ hasText: /^Done/ }).waitFor({ timeout: 30_000 });
    await screenshot(page, '07-done');
    const lines = (await log.textContent())?.trimEnd().split('\n');
    expect(lines?.slice(-2)).toEqual(['worker-0.openstacklocal ACTIVE', 'Done']);
    expect(system.simulator.rebootActions('worker-0.openstacklocal')).toBe(1);
    // The password lives in the page's memory only: nothing in storage or cookies.
    expect(await page.evaluate('[localStorage.length, sessionStorage.length, document.cookie]')).toEqual([0, 0, '']);
    // Followed by the event stream: one request, no polling.
    expect(jobRequests).toEqual([{ url: expect.stringMatching(/\/job\/[\w-]{22}$/), accept: 'text/event-stream' }]);
    // The recent jobs list has it, and opens its output again.
    const entry = page.getByRole('button', { name: /^worker-0\.openstacklocal · SOFT · done/ });
    await entry.waitFor();
    await entry.click();
    await page.getByRole('status').filter({ hasText: /^Done/ }).waitFor();
    expect((await log.textContent())?.trimEnd().split('\n')).toEqual(lines);
  });

  it('meets WCAG 2.1 AA (axe-core) on every view, and reboots later at the time picked, sent in UTC', async () => {
    // A reboot done in the cluster: what the next one's expected return is learnt from.
    await followJob(system, operator, await startReboot(system, operator, 'haproxy-0.openstacklocal'));
    const page = await openPage(undefined, { bypassCSP: true, timezoneId: 'America/New_York' });
    expect(await wcagViolations(page)).toEqual([]); // sign-in

    await signIn(page, operator);
    await page.getByRole('button', { name: 'Reboot worker-1.openstacklocal' }).waitFor();
    await page.getByRole('button', { name: /^haproxy-0\.openstacklocal · SOFT · done/ }).waitFor();
    // No maintenance windows to show (none set, or an API without the policy call): the block stays hidden.
    expect(await page.locator('#windows').isHidden()).toBe(true);
    expect(await wcagViolations(page)).toEqual([]); // nodes and recent jobs

    await page.getByRole('button', { name: 'Reboot worker-1.openstacklocal' }).click();
    const confirm = page.getByRole('dialog', { name: 'Reboot worker-1.openstacklocal?' });
    await confirm.waitFor();
    expect(await wcagViolations(page)).toEqual([]); // the reboot dialog

    await confirm.getByRole('button', { name: 'Reboot later…' }).click();
    const later = page.getByRole('dialog', { name: 'Reboot worker-1.openstacklocal later' });
    await later.waitFor();
    await screenshot(page, '10-reboot-later');
    expect(await wcagViolations(page)).toEqual([]); // the reboot-later dialog
    const picker = later.getByLabel('Not before');
    expect(await picker.getAttribute('type')).toBe('datetime-local');
    // Two days ahead at 02:30 in New York (the browser's zone): posted as that instant in UTC.
    const local = DateTime.now().setZone('America/New_York').plus({ days: 2 }).set({ hour: 2, minute: 30 });
    await picker.fill(local.toFormat("yyyy-MM-dd'T'HH:mm"));
    const posted = page.waitForRequest((request) => request.method() === 'POST' && /\/reboot$/.test(request.url()));
    await later.getByRole('button', { name: 'Schedule reboot' }).click();
    expect((await posted).postDataJSON()).toEqual({
      target: 'worker-1.openstacklocal',
      not_before: local.startOf('minute').toUTC().toISO(),
    });
    const answer = await (await posted).response();
    // The API schedules it: the job is shown as scheduled, starting at the time picked.
    expect(answer?.status()).toBe(202);
    const scheduled = (await answer!.json()) as { state: string; job_id: string };
    expect(scheduled.state).toBe('scheduled');
    await page
      .getByRole('status')
      .filter({ hasText: /^Scheduled: starts at / })
      .waitFor();
    // Cancelled again, so the node is free for the tests after this one.
    const cancelled = await system.request('DELETE', `/api/openshift/${system.clusterId}/job/${scheduled.job_id}`, {
      user: operator,
    });
    expect(cancelled.status).toBe(200);

    // A reboot now, in a cluster with reboots done: its expected return, then its output.
    system.simulator.setKnobs({ rebootDurationMs: 4000 }, 'infra-1.openstacklocal');
    await page.getByRole('button', { name: 'Reboot infra-1.openstacklocal' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Reboot', exact: true }).click();
    await page.getByRole('log', { name: 'Job output' }).filter({ hasText: 'infra-1.openstacklocal REBOOT' }).waitFor();
    await page.getByText(/^back in about \d+ s \(from earlier reboots\)$/).waitFor();
    await screenshot(page, '11-eta');
    expect(await wcagViolations(page)).toEqual([]); // a job's output, running
    await page.getByRole('status').filter({ hasText: /^Done/ }).waitFor({ timeout: 30_000 });
    expect(await page.locator('#job-eta').isHidden()).toBe(true);
    expect(await wcagViolations(page)).toEqual([]); // a job's output, ended
  });

  it('works with the keyboard alone at phone width (a HARD reboot), every control named', async () => {
    const page = await openPage(PHONE);
    await page.keyboard.press('Tab');
    await page.keyboard.type(operator.username);
    await page.keyboard.press('Tab');
    await page.keyboard.type(operator.password);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Reboot worker-2.openstacklocal' }).waitFor();
    let focused = '';
    for (let presses = 0; presses < 40 && focused !== 'Reboot worker-2.openstacklocal'; presses++) {
      await page.keyboard.press('Tab');
      focused = (await page.locator(':focus').getAttribute('aria-label')) ?? '';
    }
    expect(focused).toBe('Reboot worker-2.openstacklocal');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    await screenshot(page, '08-phone-confirm');
    await page.keyboard.press('ArrowDown'); // from SOFT to HARD
    expect(await page.getByRole('radio', { name: /^HARD/ }).isChecked()).toBe(true);
    await page.keyboard.press('Tab'); // from the SOFT/HARD radio group to Cancel
    await page.keyboard.press('Tab'); // to Reboot
    expect(await page.locator(':focus').textContent()).toBe('Reboot');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: /^Done/ }).waitFor({ timeout: 30_000 });
    await screenshot(page, '09-phone-done');
    expect(await page.getByRole('log').textContent()).toContain('worker-2.openstacklocal HARD_REBOOT');
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);

    // What a screen reader gets: Chromium's own accessibility tree.
    const cdp = await page.context().newCDPSession(page);
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
      nodes: { ignored?: boolean; role?: { value?: string }; name?: { value?: string } }[];
    };
    const controls = nodes.filter(
      (node) =>
        !node.ignored &&
        ['button', 'textbox', 'combobox', 'radio', 'checkbox', 'link'].includes(node.role?.value ?? ''),
    );
    expect(controls.length).toBeGreaterThan(10);
    expect(controls.filter((node) => !node.name?.value?.trim())).toEqual([]);
  });
});

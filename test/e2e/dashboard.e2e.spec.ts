import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { chromium, BrowserContext, Page } from 'playwright-core';
import { startServices, RunningServices } from '@ideamine/devstack';
import { useTestInfra } from '../harness';
import { API_KEY, auth, waitFor } from './e2e-helpers';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Kept as CI artifacts (gitignored): what a person would have seen at each step. */
const SHOTS = join(__dirname, '..', '..', 'test-artifacts', 'dashboard');

/**
 * The dashboard in headless Chromium against the real system: sign in, submit a run from the UI,
 * pause and resume it, watch its phases complete live (SSE, no reload), open a task, open the
 * dossier. The worker is held back at first so the run waits long enough to be paused.
 */
describe('dashboard in headless Chromium', () => {
  const infra = useTestInfra();
  let services: RunningServices;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const problems: string[] = [];
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    services = await startServices({
      natsUrl: infra().natsUrl, databaseUrl: infra().databaseUrl, apiKeys: API_KEY, logDir: join(infra().tmpDir, 'logs'), env: { LOG_LEVEL: process.env.IM_TEST_LOG_LEVEL ?? 'warn' },
    });
    profile = mkdtempSync(join(tmpdir(), 'ideamine-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, acceptDownloads: true, viewport: { width: 1400, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 404/.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(String(e)));
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await services?.stop();
  }, 30_000);

  it('serves the page with a strict CSP and no inline script', async () => {
    const res = await request(services.apiUrl).get('/').set('Accept', 'text/html').expect(200);
    const csp = res.headers['content-security-policy'];
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.text).not.toMatch(/(src|href)="https?:/);
  });

  it('signs in with an API key kept in session storage only', async () => {
    await page.goto(services.apiUrl);
    await page.fill('input[name=apiKey]', 'not-the-key');
    await page.click('button[type=submit]');
    await page.waitForSelector('.error');
    expect(await page.textContent('.error')).toMatch(/IM_UNAUTHORIZED/);
    await page.fill('input[name=apiKey]', API_KEY);
    await page.click('button[type=submit]');
    await page.waitForSelector('table.runs');
    expect(await page.evaluate(() => ({ session: (globalThis as any).sessionStorage.getItem('im.apiKey'), local: (globalThis as any).localStorage.length }))).toEqual({ session: API_KEY, local: 0 });
    problems.length = 0; // the 401 of the wrong key above was meant
    await shot('01-runs');
  });

  it('submits a run from the UI, pauses and resumes it, and watches every phase complete live', async () => {
    await services.kill('worker');
    await page.click('a[href="#/submit"]');
    const idea = 'A booking page for a small yoga studio with waitlists <b>bold?</b>';
    await page.fill('textarea[name=idea]', idea);
    await page.fill('textarea[name=targetUsers]', 'Yoga teachers\nStudents');
    await page.click('button[type=submit]');
    await page.waitForSelector('.dag .phase[data-phase=intake]', { timeout: 30_000 });
    const runId = /#\/runs\/([0-9a-f-]{36})/.exec(page.url())![1];
    // Escaped, not rendered: the tag shows as text.
    expect(await page.textContent('h1.run-title')).toContain('<b>bold?</b>');
    expect(await page.locator('h1.run-title b').count()).toBe(0);
    await page.waitForSelector('.live.on');

    // Extend the budget from the UI (while running: an extension also resumes a paused run).
    const before = (await request(services.apiUrl).get(`/v1/runs/${runId}`).set(auth).expect(200)).body.budget.tokens;
    await page.fill('input[name=tokens]', '1000');
    await page.click('button:has-text("Extend budget")');
    await waitFor('the budget to grow', async () => (await request(services.apiUrl).get(`/v1/runs/${runId}`).set(auth)).body.budget.tokens === before + 1000, 30_000, 200);

    await page.click('button:has-text("Pause")');
    await page.waitForSelector('.run .meta .status-paused', { timeout: 30_000 });
    await shot('02-paused');

    // While it waits: grant a waiver and revoke it.
    await page.click('nav.tabs a:has-text("Gates")');
    await page.selectOption('select[name=phase]', 'prd');
    await page.fill('input[name=guard]', 'coverage');
    await page.fill('input[name=reason]', 'accepted by the product owner');
    await page.click('button:has-text("Grant waiver")');
    await page.waitForSelector('.gates td:has-text("accepted by the product owner")', { timeout: 30_000 });
    await page.waitForSelector('.gates .status-active');
    await shot('02b-waiver');
    await page.click('.gates button:has-text("Revoke")');
    await page.waitForSelector('.gates .status-revoked', { timeout: 30_000 });
    await page.click('nav.tabs a:has-text("DAG")');
    await page.click('button:has-text("Resume")');
    await page.waitForSelector('.run .meta .status-running', { timeout: 30_000 });

    const navigations: string[] = [];
    page.on('framenavigated', (f) => f === page.mainFrame() && navigations.push(f.url()));
    // Record, in the page, every count of completed phases the DOM goes through.
    await page.evaluate(() => {
      const g = globalThis as any;
      g.__completedCounts = [];
      const note = () => {
        const n = g.document.querySelectorAll('.phase[data-status=completed]').length;
        if (g.__completedCounts[g.__completedCounts.length - 1] !== n) g.__completedCounts.push(n);
      };
      new g.MutationObserver(note).observe(g.document.body, { subtree: true, childList: true, attributes: true });
      note();
    });
    await services.start('worker');
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('.phase[data-status=completed]').length === 13, undefined, { timeout: 240_000, polling: 200 });
    const seen: number[] = await page.evaluate(() => (globalThis as any).__completedCounts);
    await page.waitForSelector('.run .meta .status-completed', { timeout: 60_000 });
    // Live: the DAG went through intermediate states on its own, without a reload.
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(seen[seen.length - 1]).toBe(13);
    expect(navigations).toEqual([]);
    await shot('03-completed-dag');
    const api = await request(services.apiUrl).get(`/v1/runs/${runId}`).set(auth).expect(200);
    expect(api.body.status).toBe('completed');

    await page.click('nav.tabs a:has-text("Timeline")');
    await page.waitForSelector('.timeline .task-row');
    await shot('04-timeline');
  }, 400_000);

  it('opens a task: input, output, usage and attempts', async () => {
    await page.click('nav.tabs a:has-text("Tasks")');
    await page.waitForSelector('table.tasks tbody tr');
    await page.click('table.tasks tbody tr:first-child a');
    await page.waitForSelector('.task-panel pre.output');
    await waitFor('the task output', async () => /\{/.test((await page.textContent('.task-panel pre.output')) ?? ''), 15_000, 200);
    const panel = (await page.textContent('.task-panel')) ?? '';
    expect(panel).toMatch(/Input/);
    expect(panel).toMatch(/task\.claimed/);
    expect(panel).toMatch(/tokens/);
    await shot('05-task');
    await page.click('nav.tabs a:has-text("Costs")');
    await page.waitForSelector('.costs table');
    await page.click('nav.tabs a:has-text("Gates")');
    await page.waitForSelector('.gates table tbody tr');
    expect(await page.locator('.gates table').first().locator('tbody tr').count()).toBeGreaterThanOrEqual(13);
    await shot('06-gates');
  });

  it('opens the dossier and downloads its PDF', async () => {
    await page.click('nav.tabs a:has-text("Dossier")');
    await page.waitForSelector('.dossier-title', { timeout: 60_000 }).catch(async (err) => {
      await shot('07-dossier-missing');
      throw err;
    });
    expect(await page.textContent('.dossier .meta')).toMatch(/Release dossier \d+\.\d+\.\d+/);
    await shot('07-dossier');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button:has-text("Download PDF")')]);
    const file = join(infra().tmpDir, 'dashboard-dossier.pdf');
    await download.saveAs(file);
    expect(readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('shows the inbox and the dead letters, and no page error or CSP violation happened', async () => {
    await page.click('header a:has-text("Inbox")');
    await page.waitForSelector('section h1:has-text("Inbox")');
    await page.waitForSelector('.empty, ul.inbox li');
    await shot('08-inbox');
    await page.click('header a:has-text("Dead letters")');
    await page.waitForSelector('section h1:has-text("Dead letters")');
    await shot('09-dead-letters');
    await page.click('header a:has-text("Runs")');
    await page.selectOption('select[name=status]', 'completed');
    await page.waitForSelector('table.runs tbody tr');
    expect(problems).toEqual([]);
  });
});

// The workshop in a real browser (Debian's chromium through playwright-core): start a lab, type into a node's
// terminal, watch the lesson's step turn green and the visualizer follow, reload and find the same shell.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { type RunningWorkshop, startWorkshop } from '../server/workshop.js';

const root = new URL('../../', import.meta.url).pathname;
const chromiumPath = '/usr/bin/chromium';
const scratch = mkdtempSync(join(tmpdir(), 'swarmlab-browser-'));
const artifacts = join(root, 'artifacts');
const noChromium = existsSync(chromiumPath)
  ? false
  : `${chromiumPath} is missing (apt-get install -y chromium)`;

let workshop: RunningWorkshop;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

before(async () => {
  if (noChromium) return;
  workshop = await startWorkshop({ port: 0, dataDir: join(scratch, 'data') });
  context = await chromium.launchPersistentContext(join(scratch, 'profile'), {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

after(async () => {
  if (page) {
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'workshop-e2e.png') }).catch(() => {});
  }
  await context?.close();
  await workshop?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** The text a node's terminal shows (xterm.js renders rows as DOM; spaces may be no-break spaces). */
async function terminalText(node: string): Promise<string> {
  const rows = await page.locator(`.terminal-panel[data-node="${node}"] .xterm-rows > div`).allTextContents();
  return rows.map((row) => row.replace(/\u00a0/g, ' ').trimEnd()).join('\n');
}

async function waitForTerminal(node: string, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await terminalText(node);
    if (pattern.test(text)) return text;
    if (Date.now() > deadline)
      throw new Error(`${node}'s terminal never showed ${pattern}; it shows:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function typeInto(node: string, line: string): Promise<void> {
  await page.click(`.tab[data-node="${node}"]`);
  await page.click(`.terminal-panel[data-node="${node}"]`);
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

test('a learner opens the workshop, starts a lab and gets a terminal per node', {
  skip: noChromium,
}, async () => {
  await page.goto(workshop.origin);
  await page.waitForSelector('body[data-ready="true"]');
  assert.match(await page.title(), /Microservices and Docker Swarm/);
  await page.waitForSelector('section.step[data-step="initialize-the-swarm"]');
  await page.click('#start-lab');
  await page.waitForSelector('.tab[data-node="swarm-3"]', { timeout: 60_000 });
  await waitForTerminal('swarm-1', /@swarm-1:~[#$]$/m);
  await typeInto('swarm-1', 'echo "I am $SWARM_NODE at $SWARM_1"');
  await waitForTerminal('swarm-1', /I am swarm-1 at 127\.\d+\.\d+\.1/);
});

test('docker swarm init in swarm-1 turns the first step of L1 green and the visualizer shows one node', {
  skip: noChromium,
}, async () => {
  await typeInto('swarm-1', 'docker swarm init --advertise-addr $SWARM_1');
  await page.waitForSelector('section.step[data-step="initialize-the-swarm"][data-status="passed"]', {
    timeout: 60_000,
  });
  await page.waitForSelector('#visualizer[data-nodes="1"] .vis-node[data-node="swarm-1"]', {
    timeout: 10_000,
  });
  // The node reports ready once its agent's first session is open: the view follows within a poll or two.
  await page.waitForSelector('#visualizer .vis-node[data-node="swarm-1"]:has-text("ready")', {
    timeout: 10_000,
  });

  const column = await page.textContent('#visualizer .vis-node[data-node="swarm-1"]');
  assert.match(column ?? '', /manager/);
  assert.match(column ?? '', /ready/);
});

test('yes in a terminal does not freeze the page, and Ctrl-C stops it', { skip: noChromium }, async () => {
  await typeInto('swarm-2', 'yes swarmlab-flood');
  await waitForTerminal('swarm-2', /swarmlab-flood\nswarmlab-flood\nswarmlab-flood/);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const started = Date.now();
  assert.equal(await page.evaluate(() => 6 * 7), 42, 'the page still runs scripts');
  assert.ok(Date.now() - started < 5_000, 'the page answered promptly');
  await page.keyboard.press('Control+C');
  await page.keyboard.type('echo flood-stopped-$((6*7))');
  await page.keyboard.press('Enter');
  await waitForTerminal('swarm-2', /flood-stopped-42/, 20_000);
});

test('a reload finds the same shell, with what it printed before', { skip: noChromium }, async () => {
  const before = await page.getAttribute('.terminal-panel[data-node="swarm-1"]', 'data-terminal');
  await typeInto('swarm-1', 'echo before-reload-$((6*7))');
  await waitForTerminal('swarm-1', /before-reload-42/);
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  await page.waitForSelector('.terminal-panel[data-node="swarm-1"]');
  assert.equal(await page.getAttribute('.terminal-panel[data-node="swarm-1"]', 'data-terminal'), before);
  await waitForTerminal('swarm-1', /before-reload-42/);
  await typeInto('swarm-1', 'echo after-reload-$((6*7))');
  await waitForTerminal('swarm-1', /after-reload-42/);
  assert.deepEqual(pageErrors, []);
});

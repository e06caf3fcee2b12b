// Browser-test harness: the real `just-tech-news` binary on a free port with a fresh SQLite
// database, Debian's Chromium through playwright-core, and a page that records every console
// error, uncaught exception and CSP violation so a test can insist there were none. Mail is
// written as .eml files into the server's outbox folder, `server.mailDir`.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const WEB_DIR = path.resolve(here, '../..');
const SCREENSHOTS = path.join(WEB_DIR, 'tests', 'screenshots');
const BIN = process.env.JTN_BIN || '/root/.cache/jtn-target/debug/just-tech-news';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const AXE = path.resolve(here, '../../../node_modules/axe-core/axe.min.js');

export const PASSWORD = 'correct-horse-battery-staple';
export const PHONE = { width: 375, height: 812 };
export const DESKTOP = { width: 1280, height: 900 };

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url, child, log) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${log.join('')}`);
    try {
      const response = await fetch(`${url}/api/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server did not become healthy within 30 s:\n${log.join('')}`);
}

/** Write limits the stories would run into; a story about them sets its own. */
const NO_RATE_LIMITS = { SIGNUP_RATE: '0', POST_RATE: '0', COMMENT_RATE: '0', VOTE_RATE: '0' };

/** Runs the server binary with `args` (a command such as `admin grant`) and `env` to its end. */
function runCommand(args, env) {
  return new Promise((resolve, reject) => {
    const output = [];
    const child = spawn(BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => output.push(String(chunk)));
    child.stderr.on('data', (chunk) => output.push(String(chunk)));
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code: code ?? signal, output: output.join('') }));
  });
}

/**
 * Starts the server on a fresh database with an empty outbox (`mailDir`), write limits off;
 * `env` adds or overrides environment variables (e.g. `{REGISTRATION: 'invite'}`). `host` is the
 * name the site is reached by (`url`, and so `PUBLIC_URL`): 127.0.0.1 unless given, `localhost`
 * for passkeys, which browsers refuse on an IP address. The server listens on 127.0.0.1 either way.
 * `restart({env})` replaces the process, keeping both and merging in `env`; `cli(...args)`
 * stops the server, runs the binary's command line on the same database (e.g. `'admin',
 * 'grant', 'bob', 'moderator'`), insists it succeeds and starts the server again.
 */
export async function startServer({ env: extraEnv = {}, host = '127.0.0.1' } = {}) {
  if (!existsSync(BIN)) {
    throw new Error(`no server binary at ${BIN}: build it (cargo build) or point JTN_BIN at it`);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'jtn-e2e-'));
  const mailDir = path.join(dir, 'outbox');
  mkdirSync(mailDir);
  const port = await freePort();
  const url = `http://${host}:${port}`;
  const direct = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    BIND: `127.0.0.1:${port}`,
    PUBLIC_URL: url,
    DATABASE_URL: `sqlite://${path.join(dir, 'db.sqlite')}?mode=rwc`,
    WEB_DIR,
    BCRYPT_COST: '4',
    MAIL_DIR: mailDir,
    RUST_LOG: process.env.RUST_LOG || 'warn',
    ...NO_RATE_LIMITS,
    ...extraEnv,
  };
  delete env.SMTP_URL;
  let child;
  let stopping = false;
  const log = [];
  const launch = async () => {
    log.length = 0;
    stopping = false;
    child = spawn(BIN, ['--no-demo'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => log.push(String(chunk)));
    child.stderr.on('data', (chunk) => log.push(String(chunk)));
    child.once('exit', (code, signal) => {
      if (!stopping) process.stderr.write(`server exited unexpectedly (${code ?? signal}):\n${log.join('')}\n`);
    });
    await waitForHealth(direct, child, log);
  };
  const halt = async () => {
    stopping = true;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  await launch();
  return {
    url,
    mailDir,
    log,
    async restart({ env: moreEnv = {} } = {}) {
      Object.assign(env, moreEnv);
      await halt();
      await launch();
    },
    async cli(...args) {
      await halt();
      const { code, output } = await runCommand(args, env);
      await launch();
      if (code !== 0) throw new Error(`just-tech-news ${args.join(' ')} exited with ${code}:\n${output}`);
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * A page in its own browser context (its own cookies) at `viewport`, with `errors` collecting
 * console errors, uncaught exceptions and CSP violations. Responses the test expects to fail
 * (e.g. a wrong password's 401) are listed in `allow` as substrings of the console message.
 */
export async function openPage(browser, baseURL, viewport = DESKTOP) {
  const context = await browser.newContext({ baseURL, viewport });
  const page = await context.newPage();
  const errors = [];
  const allowed = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    if (!allowed.some((fragment) => text.includes(fragment))) errors.push(`console: ${text}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  return {
    page,
    context,
    errors,
    /** Ignore console errors containing `fragment` (an expected failed request). */
    allow(fragment) {
      allowed.push(fragment);
    },
  };
}

/**
 * A member signed up through the API in a page of their own (see `openPage`) at `viewport`, with
 * their `username` and `call(method, path, body)`, which calls the API as them and throws on
 * any answer but a 2xx.
 */
export async function signedUpMember(browser, baseURL, viewport = DESKTOP, prefix = 'member') {
  const opened = await openPage(browser, baseURL, viewport);
  const username = uniqueName(prefix);
  const call = async (method, path, body) => {
    const response = await opened.context.request.fetch(path, { method, data: body });
    const text = await response.text();
    if (!response.ok()) throw new Error(`${method} ${path}: ${response.status()} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  await call('POST', '/api/users', { username, email: `${username}@example.com`, password: PASSWORD });
  return { ...opened, username, call };
}

/** Saves a full-page screenshot as tests/screenshots/NAME.png, or only `clip` (`{x, y, width, height}`). */
export async function shot(page, name, clip = undefined) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: !clip, clip });
}

/**
 * What axe-core finds against WCAG 2.1 A and AA on the page as it is now, one line a rule with
 * the elements it failed on; empty when nothing. axe's source is evaluated through the DevTools
 * protocol, which the page's Content-Security-Policy does not govern (a script tag would break it).
 */
export async function accessibilityViolations(page) {
  await page.evaluate(readFileSync(AXE, 'utf8'));
  const violations = await page.evaluate(async () => {
    const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
    const { violations: found } = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return found.map((rule) => `${rule.id}: ${rule.nodes.map((node) => node.target.join(' ')).join(', ')}`);
  });
  return violations;
}

/**
 * The page as it is now at a phone's and a desktop's width: a screenshot of each
 * (tests/screenshots/NAME-375.png and NAME-1280.png), neither scrolling sideways, and nothing
 * for axe-core to find at either; the viewport is put back afterwards.
 */
export async function atBothWidths(page, name) {
  const viewport = page.viewportSize();
  const found = [];
  for (const [width, size] of [['375', PHONE], ['1280', DESKTOP]]) {
    await page.setViewportSize(size);
    await shot(page, `${name}-${width}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 0) found.push(`${width}px: scrolls sideways by ${overflow}px`);
    for (const violation of await accessibilityViolations(page)) found.push(`${width}px: ${violation}`);
  }
  await page.setViewportSize(viewport);
  return found;
}

let counter = 0;
/** A username no other test in this run uses. */
export function uniqueName(prefix = 'user') {
  counter += 1;
  return `${prefix}${counter}_${process.pid % 10000}`;
}

/** Signs up through the /login page's form and waits for the dashboard. */
export async function signUp(page, username = uniqueName()) {
  await page.goto('/login');
  const form = page.locator('#signup-form');
  await form.getByLabel('Username').fill(username);
  await form.getByLabel('Email').fill(`${username}@example.com`);
  await form.getByLabel('Password').fill(PASSWORD);
  await form.getByRole('button', { name: 'Sign up' }).click();
  await page.waitForURL('**/dashboard');
  await page.locator('#dashboard:not([hidden])').waitFor();
  return username;
}

/**
 * Creates a post through the dashboard's form; returns its id. The link is a new one unless
 * given: the same link twice within 30 days is refused as already posted.
 */
export async function createPost(page, title, postUrl = `https://www.example.com/story/${uniqueName('s')}`) {
  if (!page.url().endsWith('/dashboard')) await page.goto('/dashboard');
  const form = page.locator('#create-form');
  await form.getByLabel('Title').fill(title);
  await form.getByLabel('URL').fill(postUrl);
  await form.getByRole('button', { name: 'Create' }).click();
  const item = page.locator('#post-list .post', { hasText: title }).first();
  await item.waitFor();
  const href = await item.getByRole('link', { name: 'Edit post' }).getAttribute('href');
  return Number(href.split('/').pop());
}

// Account recovery and two-factor login (DESIGN.md section 16) as people do them in a browser:
// a forgotten password reset through the mailed link, and two-factor login turned on with an
// authenticator app (the test computes its codes), used, renewed and turned off again.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';

import { DESKTOP, launchBrowser, openPage, PASSWORD, PHONE, shot, signUp, startServer } from './harness.js';
import { waitForResetLink } from './mail.js';
import { base32Decode, codeForStep, stepAt } from './totp.js';

const NEW_PASSWORD = 'a-brand-new-horse-battery';
const CODE_LABEL = 'Enter the 6-digit code from your authenticator app';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function logIn(page, email, password) {
  await page.goto('/login');
  await page.locator('#login-email').fill(email);
  await page.locator('#login-password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

async function logOut(page) {
  await page.getByRole('button', { name: 'logout' }).click();
  await page.waitForURL((url) => url.pathname === '/');
}

async function loggedInAs(page) {
  return page.evaluate(() => fetch('/api/session').then((r) => r.json()).then((s) => s.user && s.user.username));
}

/** Screenshots NAME-375 and NAME-1280, insisting neither width scrolls sideways. */
async function shots(page, name) {
  const viewport = page.viewportSize();
  for (const [width, size] of [['375', PHONE], ['1280', DESKTOP]]) {
    await page.setViewportSize(size);
    await shot(page, `${name}-${width}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${name} at ${width}px scrolls sideways by ${overflow}px`);
  }
  await page.setViewportSize(viewport);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An authenticator app for `secret`. The server takes the codes of the previous, current and
 * next 30-second step, but never a step it has already accepted for the user, so `next()` gives
 * the current step's code, or the step after the last one it gave (waiting if that is too far).
 */
function authenticator(secret) {
  const key = base32Decode(secret);
  let last = -Infinity;
  return {
    async next() {
      while (last + 1 > stepAt() + 1) await sleep(500);
      last = Math.max(stepAt(), last + 1);
      return codeForStep(key, last);
    },
    /** Six digits the server takes for no step near now. */
    wrong() {
      const now = stepAt();
      const near = new Set([now - 2, now - 1, now, now + 1, now + 2].map((step) => codeForStep(key, step)));
      let code = 0;
      while (near.has(String(code).padStart(6, '0'))) code += 1;
      return String(code).padStart(6, '0');
    },
  };
}

/** The account page's two-factor section. */
const twoFactor = (page) => page.locator('#two-factor');

/** Turns two-factor on from /account; answers the app and the recovery codes, still on screen. */
async function turnOn(page) {
  await page.goto('/account');
  const section = twoFactor(page);
  await section.getByLabel('Password').fill(PASSWORD);
  await section.getByRole('button', { name: 'Turn on' }).click();
  const app = authenticator((await section.locator('.secret').innerText()).replace(/\s+/g, ''));
  await section.getByLabel('Code from the app').fill(await app.next());
  await section.getByRole('button', { name: 'Confirm' }).click();
  await section.locator('.recovery-codes li').nth(9).waitFor();
  return { app, codes: await section.locator('.recovery-codes li').allInnerTexts() };
}

const alertIn = (locator) => locator.getByRole('alert').filter({ hasText: /\S/ });

describe('a forgotten password', () => {
  test('is reset through the link mailed to the account, which then works no more', async () => {
    const elsewhere = await openPage(browser, server.url, DESKTOP);
    const username = await signUp(elsewhere.page);
    const email = `${username}@example.com`;
    const { page, errors, allow } = await openPage(browser, server.url, PHONE);
    allow('status of 400');
    allow('status of 401');
    allow('status of 422');

    await page.goto('/login');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.waitForURL('**/forgot');
    const form = page.locator('#forgot-form');
    await form.getByLabel('Email').fill('not-an-address');
    await form.getByRole('button', { name: 'Send me a link' }).click();
    await alertIn(form).waitFor();
    assert.equal(await form.getByLabel('Email').getAttribute('aria-invalid'), 'true');
    await shot(page, 'story-forgot-error-375');

    await form.getByLabel('Email').fill(email);
    await form.getByRole('button', { name: 'Send me a link' }).click();
    const sent = 'If an account uses that address, a link to reset its password is on its way. It works for one hour.';
    await page.getByRole('status').filter({ hasText: sent }).waitFor();
    assert.equal(await form.isVisible(), false);
    await shots(page, 'story-forgot-sent');

    await page.goto('/forgot');
    await form.getByLabel('Email').fill('nobody-by-this-address@example.com');
    await form.getByRole('button', { name: 'Send me a link' }).click();
    await page.getByRole('status').filter({ hasText: sent }).waitFor();

    const link = await waitForResetLink(server.mailDir, email);
    assert.ok(link.startsWith(`${server.url}/reset#token=`), link);
    await page.goto(link);
    const reset = page.locator('#reset-form');
    await reset.waitFor();
    assert.equal(page.url(), `${server.url}/reset`, 'the token is dropped from the address bar');
    await reset.getByLabel('New password').fill('short');
    await reset.getByRole('button', { name: 'Set new password' }).click();
    await alertIn(reset).waitFor();
    assert.equal(await reset.getByLabel('New password').getAttribute('aria-invalid'), 'true');
    await shots(page, 'story-reset-refused');

    await reset.getByLabel('New password').fill(NEW_PASSWORD);
    await reset.getByRole('button', { name: 'Set new password' }).click();
    await page.getByRole('status').filter({ hasText: 'Your password is changed and every session was logged out.' }).waitFor();
    await shots(page, 'story-reset-done');
    assert.equal(await loggedInAs(elsewhere.page), null, 'the other browser was logged out');

    await page.getByRole('link', { name: 'Log in', exact: true }).click();
    await page.waitForURL('**/login');
    await logIn(page, email, PASSWORD);
    await alertIn(page.locator('#login-form')).waitFor();
    assert.equal(await loggedInAs(page), null);
    await logIn(page, email, NEW_PASSWORD);
    await page.waitForURL('**/dashboard');
    assert.equal(await loggedInAs(page), username);
    await logOut(page);

    await page.goto(link);
    await reset.getByLabel('New password').fill('yet-another-horse-battery');
    await reset.getByRole('button', { name: 'Set new password' }).click();
    const spent = page.getByRole('status').filter({ hasText: 'This link has expired or was already used.' });
    await spent.waitFor();
    assert.equal(await spent.getByRole('link', { name: 'Ask for a new link' }).getAttribute('href'), '/forgot');
    await shot(page, 'story-reset-spent-375');

    await page.goto('/reset');
    await page.getByRole('heading', { name: 'This page needs the link from your email' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Ask for a new link' }).getAttribute('href'), '/forgot');
    assert.deepEqual([...errors, ...elsewhere.errors], []);
  });
});

describe('two-factor login', () => {
  test('is turned on with an app\'s code, then asks for a code or a recovery code, each used once', async () => {
    const { page, errors, allow } = await openPage(browser, server.url, DESKTOP);
    allow('status of 401');
    allow('status of 403');
    allow('status of 422');
    const username = await signUp(page);
    const email = `${username}@example.com`;

    await page.goto('/account');
    const section = twoFactor(page);
    await section.getByLabel('Password').fill('not-my-password-at-all');
    await section.getByRole('button', { name: 'Turn on' }).click();
    await alertIn(section).waitFor();
    await section.getByLabel('Password').fill(PASSWORD);
    await section.getByRole('button', { name: 'Turn on' }).click();

    const shown = await section.locator('.secret').innerText();
    assert.match(shown, /^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/, 'the secret in groups of four');
    const qr = section.getByRole('img', { name: /QR code/ });
    assert.match(await qr.getAttribute('src'), /^data:image\/svg\+xml;base64,/);
    assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR code is drawn');
    const app = authenticator(shown.replace(/\s+/g, ''));
    await section.getByLabel('Code from the app').fill(app.wrong());
    await section.getByRole('button', { name: 'Confirm' }).click();
    await alertIn(section).waitFor();
    assert.equal(await section.getByLabel('Code from the app').getAttribute('aria-invalid'), 'true');
    await shots(page, 'story-two-factor-setup');

    const code = await app.next();
    await section.getByLabel('Code from the app').fill(`${code.slice(0, 3)} ${code.slice(3)}`);
    await section.getByRole('button', { name: 'Confirm' }).click();
    await section.getByRole('status').filter({ hasText: 'Two-factor authentication is on' }).waitFor();
    const codes = await section.getByRole('list', { name: 'Your recovery codes' }).getByRole('listitem').allInnerTexts();
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    for (const recovery of codes) assert.match(recovery, /^[0-9a-z]{4}(-[0-9a-z]{4}){3}$/);
    await shots(page, 'story-two-factor-recovery-codes');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      section.getByRole('button', { name: 'Download as text' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'just-tech-news-recovery-codes.txt');
    const file = await readFile(await download.path(), 'utf8');
    assert.ok(file.includes(username));
    for (const recovery of codes) assert.ok(file.split('\n').includes(recovery), `${recovery} in the file`);
    await section.getByRole('button', { name: 'Done' }).click();
    await section.locator('.two-factor-state', { hasText: 'On — 10 recovery codes left' }).waitFor();

    await logOut(page);
    await logIn(page, email, PASSWORD);
    const form = page.locator('#login-form');
    await form.getByLabel(CODE_LABEL).waitFor();
    assert.equal(await form.getByLabel('Password').isVisible(), false);
    assert.equal(await loggedInAs(page), null);
    await shots(page, 'story-login-two-factor');
    await form.getByLabel(CODE_LABEL).fill(app.wrong());
    await form.getByRole('button', { name: 'Log in' }).click();
    await alertIn(form).waitFor();
    assert.equal(await form.getByLabel(CODE_LABEL).getAttribute('aria-invalid'), 'true');
    assert.equal(new URL(page.url()).pathname, '/login');
    await shot(page, 'story-login-two-factor-wrong-1280');
    await form.getByLabel(CODE_LABEL).fill(await app.next());
    await form.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL('**/dashboard');
    assert.equal(await loggedInAs(page), username);

    await logOut(page);
    await logIn(page, email, PASSWORD);
    await form.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await form.getByLabel('Enter one of your recovery codes').fill(codes[0]);
    await shot(page, 'story-login-recovery-code-1280');
    await form.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL('**/dashboard');
    assert.equal(await loggedInAs(page), username);
    await page.goto('/account');
    await section.locator('.two-factor-state', { hasText: 'On — 9 recovery codes left' }).waitFor();

    await logOut(page);
    await logIn(page, email, PASSWORD);
    await form.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await form.getByLabel('Enter one of your recovery codes').fill(codes[0]);
    await form.getByRole('button', { name: 'Log in' }).click();
    await alertIn(form).waitFor();
    assert.equal(await form.getByLabel('Enter one of your recovery codes').getAttribute('aria-invalid'), 'true');
    assert.equal(await loggedInAs(page), null);
    assert.deepEqual(errors, []);
  });

  test('gets new recovery codes that replace the old, and is turned off with the password and a code', async () => {
    const { page, errors, allow } = await openPage(browser, server.url, PHONE);
    allow('status of 403');
    allow('status of 422');
    const username = await signUp(page);
    const email = `${username}@example.com`;
    const other = await openPage(browser, server.url, DESKTOP);
    await logIn(other.page, email, PASSWORD);
    await other.page.waitForURL('**/dashboard');

    const { codes: first } = await turnOn(page);
    assert.equal(await loggedInAs(other.page), null, 'turning it on logged the other browser out');
    await page.locator('#session-list .session').nth(1).waitFor({ state: 'detached' });
    assert.equal(await page.locator('#session-list .session').count(), 1);
    const section = twoFactor(page);
    await section.getByRole('button', { name: 'Done' }).click();
    await section.locator('.two-factor-state', { hasText: 'On — 10 recovery codes left' }).waitFor();
    await shots(page, 'story-two-factor-on');

    const renew = section.locator('form', { has: page.getByRole('button', { name: 'New recovery codes' }) });
    await renew.getByLabel('Password').fill('not-my-password-at-all');
    await renew.getByRole('button', { name: 'New recovery codes' }).click();
    await alertIn(renew).waitFor();
    await renew.getByLabel('Password').fill(PASSWORD);
    await renew.getByRole('button', { name: 'New recovery codes' }).click();
    await section.locator('.recovery-codes li').nth(9).waitFor();
    const second = await section.locator('.recovery-codes li').allInnerTexts();
    assert.equal(second.length, 10);
    assert.ok(!second.some((code) => first.includes(code)), 'all new codes');
    await section.getByRole('button', { name: 'Done' }).click();
    await section.locator('.two-factor-state', { hasText: 'On — 10 recovery codes left' }).waitFor();

    const turnOff = section.locator('form', { has: page.getByRole('button', { name: 'Turn off' }) });
    await turnOff.getByLabel('Password').fill(PASSWORD);
    await turnOff.getByLabel('Code from your app, or a recovery code').fill(first[0]);
    await turnOff.getByRole('button', { name: 'Turn off' }).click();
    await alertIn(turnOff).waitFor();
    assert.equal(await turnOff.getByLabel('Code from your app, or a recovery code').getAttribute('aria-invalid'), 'true');
    await shot(page, 'story-two-factor-off-refused-375');
    await turnOff.getByLabel('Code from your app, or a recovery code').fill(second[0]);
    await turnOff.getByRole('button', { name: 'Turn off' }).click();
    await section.getByRole('status').filter({ hasText: 'Two-factor authentication is off' }).waitFor();
    await section.getByRole('button', { name: 'Turn on' }).waitFor();

    await logOut(page);
    await logIn(page, email, PASSWORD);
    await page.waitForURL('**/dashboard');
    assert.equal(await loggedInAs(page), username);
    assert.deepEqual(errors, []);
    assert.deepEqual(other.errors, []);
  });
});

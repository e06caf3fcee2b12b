// Passkeys (DESIGN.md section 23) as people use them: one added on /account through the
// browser's own prompt, then "Log in with a passkey" on /login with nothing typed; renamed,
// removed, and then refused; a second passkey refused on a device that holds one; a prompt the
// person cancels; a browser without passkeys, and a site on an IP address. Chromium's virtual
// authenticator (over the DevTools protocol) stands in for the fingerprint reader: it holds the
// passkeys and says yes on its own. Browsers refuse passkeys on an IP address, so this server is
// reached as `localhost`.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { formatDate } from '../../js/format.js';
import { atBothWidths, DESKTOP, launchBrowser, openPage, PASSWORD, PHONE, shot, signUp, startServer } from './harness.js';

let server;
let browser;

before(async () => {
  server = await startServer({ host: 'localhost' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const NEED_A_NAME = 'Passkeys need the site on a domain name, not an IP address.';
const UNSUPPORTED = 'This browser does not support passkeys. An up-to-date Chrome, Edge, Firefox or Safari does.';
const PASSKEY_BUTTON = 'Log in with a passkey';

/**
 * A virtual authenticator in `page`'s tab, like a laptop's fingerprint reader: it keeps
 * passkeys (resident, user-verified) and answers every prompt by itself unless `verifies` is
 * false, when the check of the person fails as a cancelled prompt does. `credentials()` lists
 * what it holds; `remove()` takes it away (the next one added is a new device).
 */
async function authenticator(page, { verifies = true } = {}) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: verifies,
      automaticPresenceSimulation: true,
    },
  });
  return {
    async credentials() {
      return (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
    },
    async remove() {
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
    },
  };
}

async function settled(page) {
  await page.locator('#main:not([aria-busy])').waitFor();
}

async function openAccount(page) {
  await page.goto('/account');
  await settled(page);
}

async function loggedInAs(page) {
  return page.evaluate(() => fetch('/api/session').then((r) => r.json()).then((s) => s.user && s.user.username));
}

async function logOut(page) {
  await page.getByRole('button', { name: 'logout' }).click();
  await page.waitForURL((url) => url.pathname === '/');
}

/** The passkeys the API lists for whoever `page` is logged in as. */
async function apiPasskeys(page) {
  return page.evaluate(() => fetch('/api/users/me/passkeys').then((r) => r.json()).then((body) => body.passkeys));
}

/** Each listed passkey as `{name, dates}`, as /account shows them. */
function listed(page) {
  return page.locator('#passkey-list .passkey').evaluateAll((items) => items.map((item) => ({
    name: item.querySelector('.passkey-name').textContent,
    dates: item.querySelector('.passkey-dates').textContent,
  })));
}

const section = (page) => page.locator('#passkeys');
const addForm = (page) => page.locator('#passkey-form');
const alertIn = (locator) => locator.getByRole('alert').filter({ hasText: /\S/ });

/** Adds a passkey named `name` on /account (already open) and waits for it in the list. */
async function addPasskey(page, name) {
  const form = addForm(page);
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Your password').fill(PASSWORD);
  await form.getByRole('button', { name: 'Add a passkey' }).click();
  await form.getByRole('status').filter({ hasText: `Passkey “${name}” added.` }).waitFor();
  await page.locator('#passkey-list .passkey-name', { hasText: name }).waitFor();
}

describe('a passkey', () => {
  test('added on /account logs in from /login with nothing typed, and lands on the dashboard', async () => {
    const { page, errors, allow } = await openPage(browser, server.url, DESKTOP);
    allow('status of 403');
    const username = await signUp(page);
    const device = await authenticator(page);
    await openAccount(page);
    const form = addForm(page);
    assert.equal(await section(page).locator('#passkey-empty').innerText(), 'You have no passkeys yet.');
    assert.equal(await section(page).locator('#passkeys-blocked').isHidden(), true);

    // A name is needed before the device is asked; a wrong password stops it before the device too.
    await form.getByLabel('Your password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Add a passkey' }).click();
    await section(page).locator('#passkey-name-error').filter({ hasText: /\S/ }).waitFor();
    assert.equal(await form.getByLabel('Name').getAttribute('aria-invalid'), 'true');
    await form.getByLabel('Name').fill('Laptop');
    await form.getByLabel('Your password').fill('not-the-password-at-all');
    await form.getByRole('button', { name: 'Add a passkey' }).click();
    await section(page).locator('#passkey-password-error').filter({ hasText: /\S/ }).waitFor();
    assert.equal(await form.getByLabel('Your password').getAttribute('aria-invalid'), 'true');
    assert.equal(await section(page).locator('#passkey-name-error').innerText(), '');
    assert.deepEqual(await device.credentials(), [], 'the device was not asked');
    await shot(page, 'story-passkey-wrong-password-1280');

    await form.getByLabel('Your password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Add a passkey' }).click();
    await form.getByRole('status').filter({ hasText: 'Passkey “Laptop” added. Next time, choose “Log in with a passkey” on the login page.' }).waitFor();
    const [made] = await apiPasskeys(page);
    assert.deepEqual([made.name, made.last_used_at], ['Laptop', null]);
    assert.deepEqual(await listed(page), [{ name: 'Laptop', dates: `Added ${formatDate(made.created_at)} · never used` }]);
    assert.equal(await section(page).locator('#passkey-empty').isHidden(), true);
    assert.equal(await form.getByLabel('Name').inputValue(), '', 'the form is ready for another');
    assert.equal(await form.getByLabel('Your password').inputValue(), '');
    const held = await device.credentials();
    assert.equal(held.length, 1);
    assert.equal(held[0].isResidentCredential, true, 'a passkey the device can offer without a name');
    assert.equal(held[0].rpId, 'localhost');

    await logOut(page);
    await page.goto('/login');
    await settled(page);
    await page.getByRole('button', { name: PASSKEY_BUTTON }).click();
    await page.waitForURL('**/dashboard');
    assert.equal(await loggedInAs(page), username);
    await openAccount(page);
    const used = await listed(page);
    assert.equal(used.length, 1);
    assert.match(used[0].dates, new RegExp(`^Added ${formatDate(made.created_at).replace(/\//g, '\\/')} · last used (just now|1 minute ago)$`));
    assert.equal((await device.credentials())[0].signCount > held[0].signCount, true, 'the device signed the login');
    assert.deepEqual(errors, []);
  });

  test('is renamed and removed on /account, and then refused at /login', async () => {
    const { page, errors, allow } = await openPage(browser, server.url, PHONE);
    allow('status of 401');
    await signUp(page);
    const device = await authenticator(page);
    await openAccount(page);
    await addPasskey(page, 'Laptop');

    await page.getByRole('button', { name: 'Rename Laptop' }).click();
    const rename = page.locator('.passkey-rename');
    assert.equal(await rename.getByLabel('New name for Laptop').inputValue(), 'Laptop');
    assert.equal(await page.evaluate(() => document.activeElement.id), await rename.getByLabel('New name for Laptop').getAttribute('id'));
    await rename.getByLabel('New name for Laptop').fill('   ');
    await rename.getByRole('button', { name: 'Save' }).click();
    await alertIn(rename).waitFor();
    await rename.getByLabel('New name for Laptop').fill('Work laptop');
    await shot(page, 'story-passkey-rename-375');
    await rename.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Renamed to Work laptop.' }).waitFor();
    assert.deepEqual((await listed(page)).map((item) => item.name), ['Work laptop']);
    assert.deepEqual((await apiPasskeys(page)).map((item) => item.name), ['Work laptop']);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'passkey-list-heading');

    await page.getByRole('button', { name: 'Remove Work laptop' }).click();
    await page.getByText('Remove Work laptop? It will no longer log you in.').waitFor();
    await shot(page, 'story-passkey-remove-asked-375');
    await page.getByRole('button', { name: 'No, keep it' }).click();
    assert.equal(await page.getByRole('button', { name: 'Yes, remove it' }).isHidden(), true);
    assert.equal((await apiPasskeys(page)).length, 1);
    await page.getByRole('button', { name: 'Remove Work laptop' }).click();
    await page.getByRole('button', { name: 'Yes, remove it' }).click();
    await page.getByRole('status').filter({ hasText: 'Work laptop is removed: it no longer logs you in.' }).waitFor();
    assert.equal(await page.locator('#passkey-list .passkey').count(), 0);
    assert.equal(await page.locator('#passkey-empty').innerText(), 'You have no passkeys yet.');
    assert.deepEqual(await apiPasskeys(page), []);
    assert.equal((await device.credentials()).length, 1, 'the device still holds it');

    await logOut(page);
    await page.goto('/login');
    await settled(page);
    await page.getByRole('button', { name: PASSKEY_BUTTON }).click();
    const refused = page.locator('#passkey-login').getByRole('alert').filter({ hasText: 'That passkey was not accepted.' });
    await refused.waitFor();
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal(await loggedInAs(page), null);
    assert.equal(await page.getByRole('button', { name: PASSKEY_BUTTON }).isEnabled(), true, 'ready to try another');
    await shot(page, 'story-passkey-refused-375');
    assert.deepEqual(errors, []);
  });

  test('is one a device: a second on the same device is refused, one on another device is added', async () => {
    const { page, errors } = await openPage(browser, server.url, DESKTOP);
    await signUp(page);
    const laptop = await authenticator(page);
    await openAccount(page);
    await addPasskey(page, 'Laptop');

    const form = addForm(page);
    await form.getByLabel('Name').fill('Laptop again');
    await form.getByLabel('Your password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Add a passkey' }).click();
    await alertIn(form).filter({ hasText: 'This device already holds a passkey for your account.' }).waitFor();
    assert.equal((await apiPasskeys(page)).length, 1);
    assert.equal((await laptop.credentials()).length, 1);

    await laptop.remove();
    const phone = await authenticator(page);
    await form.getByLabel('Your password').fill(PASSWORD);
    await form.getByLabel('Name').fill('Phone');
    await form.getByRole('button', { name: 'Add a passkey' }).click();
    await form.getByRole('status').filter({ hasText: 'Passkey “Phone” added.' }).waitFor();
    assert.deepEqual((await listed(page)).map((item) => item.name), ['Laptop', 'Phone'], 'oldest first');
    assert.equal((await phone.credentials()).length, 1);
    assert.deepEqual(errors, []);
  });

  test('prompt the person cancels is said calmly, on /account and on /login', async () => {
    const { page, errors } = await openPage(browser, server.url, PHONE);
    const username = await signUp(page);
    await authenticator(page, { verifies: false });
    await openAccount(page);
    const form = addForm(page);
    await form.getByLabel('Name').fill('Laptop');
    await form.getByLabel('Your password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Add a passkey' }).click();
    await form.getByRole('status').filter({ hasText: 'No passkey was added: the request was cancelled or timed out.' }).waitFor();
    assert.equal(await alertIn(form).count(), 0, 'not said as an error');
    assert.deepEqual(await apiPasskeys(page), []);
    assert.equal(await form.getByRole('button', { name: 'Add a passkey' }).isEnabled(), true);
    await shot(page, 'story-passkey-cancelled-375');

    await logOut(page);
    await page.goto('/login');
    await settled(page);
    await page.getByRole('button', { name: PASSKEY_BUTTON }).click();
    const calm = page.locator('#passkey-login').getByRole('status')
      .filter({ hasText: 'No passkey was used: the request was cancelled or timed out. Try again, or log in with your password.' });
    await calm.waitFor();
    assert.equal(await alertIn(page.locator('#passkey-login')).count(), 0);
    assert.equal(await loggedInAs(page), null);
    assert.notEqual(username, null);
    assert.deepEqual(errors, []);
  });
});

describe('passkeys where they cannot work', () => {
  test('a browser without them is told so on /account, and /login offers none', async () => {
    const { page, context, errors } = await openPage(browser, server.url, DESKTOP);
    await context.addInitScript(() => {
      delete window.PublicKeyCredential;
    });
    await signUp(page);
    await openAccount(page);
    assert.equal(await section(page).locator('#passkeys-blocked').innerText(), UNSUPPORTED);
    assert.equal(await addForm(page).isHidden(), true);
    assert.equal(await page.locator('#passkey-empty').innerText(), 'You have no passkeys yet.', 'the list is still shown');
    await logOut(page);
    await page.goto('/login');
    await settled(page);
    assert.equal(await page.getByRole('button', { name: PASSKEY_BUTTON }).count(), 0);
    assert.deepEqual(errors, []);
  });

  test('a site on an IP address says they need a domain name, and asks the API nothing about them', async () => {
    const ip = await startServer();
    try {
      const { page, errors } = await openPage(browser, ip.url, PHONE);
      const asked = [];
      page.on('request', (request) => {
        if (new URL(request.url()).pathname.startsWith('/api/') && request.url().includes('passkey')) asked.push(request.url());
      });
      await signUp(page);
      await openAccount(page);
      assert.equal(await section(page).locator('#passkeys-blocked').innerText(), NEED_A_NAME);
      assert.equal(await addForm(page).isHidden(), true);
      assert.equal(await page.locator('#passkey-list-part').isHidden(), true);
      await shot(page, 'story-passkeys-ip-address-375');
      await logOut(page);
      await page.goto('/login');
      await settled(page);
      assert.equal(await page.getByRole('button', { name: PASSKEY_BUTTON }).count(), 0);
      assert.deepEqual(asked, []);
      assert.deepEqual(errors, []);
    } finally {
      await ip.stop();
    }
  });
});

describe('the passkey pages', () => {
  test('/account with passkeys listed and /login pass axe on a phone and a desktop', async () => {
    const { page, errors, allow } = await openPage(browser, server.url, DESKTOP);
    allow('status of 401');
    await signUp(page);
    const laptop = await authenticator(page);
    await openAccount(page);
    await addPasskey(page, 'Laptop');
    await laptop.remove();
    await authenticator(page);
    await addPasskey(page, 'A phone with a rather long name, to see it wrap');
    await openAccount(page);
    assert.equal(await page.locator('#passkey-list .passkey').count(), 2);
    assert.deepEqual(await atBothWidths(page, 'passkeys-account'), []);
    await page.getByRole('button', { name: 'Rename Laptop' }).click();
    await page.getByRole('button', { name: 'Remove A phone with a rather long name, to see it wrap' }).click();
    assert.deepEqual(await atBothWidths(page, 'passkeys-account-forms-open'), []);

    const visitor = await openPage(browser, server.url, PHONE);
    await visitor.page.goto('/login');
    await settled(visitor.page);
    await visitor.page.getByRole('button', { name: PASSKEY_BUTTON }).waitFor();
    assert.deepEqual(await atBothWidths(visitor.page, 'passkeys-login'), []);
    assert.deepEqual([...errors, ...visitor.errors], []);
  });
});

// A person's e-mail address (DESIGN.md section 23) as they meet it in a browser: the link mailed
// at sign-up confirms it on /verify, the banner on every page until then (with "Send the link
// again", which is limited), and a new address asked for on /account and confirmed from the link
// mailed to it on /confirm-email — refused when someone else took it meanwhile. axe on /verify,
// /confirm-email and /account in each state, on a phone and a desktop. Links and notices are read
// from the server's outbox.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { atBothWidths, DESKTOP, launchBrowser, openPage, PASSWORD, PHONE, shot, signedUpMember, signUp, startServer } from './harness.js';
import { mailsTo, subjectOf, tokenLinkIn, waitForMail, waitForMails, waitForTokenLink } from './mail.js';

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

const VERIFY_SUBJECT = 'Confirm your e-mail address for Just Tech News';
const CONFIRM_SUBJECT = 'Confirm your new e-mail address for Just Tech News';
const NOTICE_SUBJECT = 'Your Just Tech News e-mail address is being changed';
const SEND_AGAIN = 'Send the link again';

async function settled(page) {
  await page.locator('#main:not([aria-busy])').waitFor();
}

async function visit(page, url) {
  await page.goto(url);
  await settled(page);
}

async function loggedInAs(page) {
  return page.evaluate(() => fetch('/api/session').then((r) => r.json()).then((s) => s.user && s.user.username));
}

/** GET /api/users/me as whoever `page` is logged in as. */
function me(page) {
  return page.evaluate(() => fetch('/api/users/me').then((r) => r.json()));
}

/** The banner below the header while the address is unconfirmed. */
const banner = (page) => page.getByRole('region', { name: 'E-mail confirmation', exact: true });
const outcome = (page) => page.locator('.outcome[role="status"]');
const alertIn = (locator) => locator.getByRole('alert').filter({ hasText: /\S/ });
const addressForm = (page) => page.locator('#address-form');

/** Asks on /account (already open) to change the address to `email`; waits for "We sent a link". */
async function askToChange(page, email) {
  const form = addressForm(page);
  await form.getByLabel('New e-mail address').fill(email);
  await form.getByLabel('Your password').fill(PASSWORD);
  await form.getByRole('button', { name: 'Change e-mail address' }).click();
  await form.getByRole('status').filter({ hasText: `We sent a link to ${email}. Nothing changes until you open it.` }).waitFor();
}

describe('a new member\'s e-mail address', () => {
  test('is confirmed from the link mailed at sign-up, and the banner on every page goes away', async () => {
    const { page, errors, allow } = await openPage(browser, server.url, PHONE);
    allow('status of 400');
    const username = await signUp(page);
    const email = `${username}@example.com`;

    await banner(page).waitFor();
    assert.equal(await banner(page).getByText('Please confirm your e-mail address: open the link in the mail we sent you.').count(), 1);
    assert.equal(await banner(page).getByRole('button', { name: SEND_AGAIN }).count(), 1);
    await shot(page, 'story-verify-banner-375');
    for (const url of ['/', '/inbox', `/user/${username}`, '/account']) {
      await visit(page, url);
      assert.equal(await banner(page).count(), 1, `the banner on ${url}`);
    }
    assert.equal(await page.locator('#address-current').innerText(), email);
    assert.match(await page.locator('#address-state').innerText(), /^Not confirmed yet/);
    assert.deepEqual(await atBothWidths(page, 'email-account-unconfirmed'), []);

    const link = await waitForTokenLink(server.mailDir, email, 'verify');
    assert.ok(link.startsWith(`${server.url}/verify#token=`), link);
    assert.match(link, /#token=[A-Za-z0-9_-]{43}$/);
    assert.deepEqual((await mailsTo(server.mailDir, email)).map(subjectOf), [VERIFY_SUBJECT], 'one mail at sign-up');

    await visit(page, link);
    await outcome(page).filter({ hasText: 'Your e-mail address is confirmed.' }).waitFor();
    assert.equal(page.url(), `${server.url}/verify`, 'the token is dropped from the address bar');
    assert.equal(await banner(page).count(), 0, 'the banner went at once');
    assert.equal(await outcome(page).getByRole('link', { name: 'Go to your account' }).getAttribute('href'), '/account');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'verify-outcome');
    assert.deepEqual(await atBothWidths(page, 'verify-done'), []);
    for (const url of ['/', '/account']) {
      await visit(page, url);
      assert.equal(await banner(page).count(), 0, `no banner on ${url}`);
    }
    assert.equal(await page.locator('#address-state').innerText(), 'Confirmed.');
    assert.equal((await me(page)).email_verified, true);

    await visit(page, link);
    await outcome(page).filter({ hasText: 'This link has expired or was already used. Your own address is confirmed already: there is nothing more to do.' }).waitFor();
    assert.equal(await outcome(page).evaluate((box) => box.classList.contains('failed')), true);
    assert.deepEqual(await atBothWidths(page, 'verify-spent'), []);

    await visit(page, '/verify');
    await page.getByRole('heading', { name: 'This page needs the link from your email' }).waitFor();
    assert.deepEqual(errors, []);
  });

  test('gets a new link with "Send the link again", is told to wait after three, and is told once it is confirmed', async () => {
    const { page, errors, allow } = await openPage(browser, server.url, DESKTOP);
    allow('status of 409');
    allow('status of 429');
    const username = await signUp(page);
    const email = `${username}@example.com`;
    const first = await waitForTokenLink(server.mailDir, email, 'verify');

    const send = banner(page).getByRole('button', { name: SEND_AGAIN });
    const sent = banner(page).getByRole('status').filter({ hasText: 'Sent: the new link is on its way to your inbox. It works for 48 hours.' });
    await send.click();
    await sent.waitFor();
    await waitForTokenLink(server.mailDir, email, 'verify', { skip: [first] });
    await shot(page, 'story-verify-sent-again-1280');
    for (let more = 0; more < 2; more += 1) {
      await send.click();
      await sent.waitFor();
    }
    await send.click();
    const wait = alertIn(banner(page));
    await wait.waitFor();
    assert.match(await wait.innerText(), /^You have asked for several links in the last hour\. Try again in \d+ (seconds?|minutes?)\.$/);
    assert.equal(await banner(page).getByRole('status').filter({ hasText: /\S/ }).count(), 0, 'the last "sent" is gone');
    assert.equal(await send.isEnabled(), true);
    assert.deepEqual(await atBothWidths(page, 'verify-banner-wait'), []);
    const mails = await waitForMails(server.mailDir, email, 4);
    assert.deepEqual(mails.map(subjectOf), Array(4).fill(VERIFY_SUBJECT), 'the sign-up mail and three more');

    // The newest link, opened in another browser that is not logged in.
    const elsewhere = await openPage(browser, server.url, PHONE);
    await visit(elsewhere.page, tokenLinkIn(mails[3], 'verify'));
    await outcome(elsewhere.page).filter({ hasText: 'Your e-mail address is confirmed.' }).waitFor();
    assert.equal(await outcome(elsewhere.page).getByRole('link', { name: 'Log in' }).getAttribute('href'), '/login');
    assert.equal(await banner(elsewhere.page).count(), 0);

    // This page still shows the banner it drew before; sending again now says it is done.
    await send.click();
    await banner(page).getByRole('status').filter({ hasText: 'Your e-mail address is already confirmed.' }).waitFor();
    assert.equal(await send.isHidden(), true);
    await visit(page, '/');
    assert.equal(await banner(page).count(), 0);
    assert.deepEqual([...errors, ...elsewhere.errors], []);
  });
});

describe('changing an e-mail address', () => {
  test('mails a link to the new address and a notice to the old; the link makes the change and ends other sessions', async () => {
    const { page, errors, allow } = await openPage(browser, server.url, PHONE);
    allow('status of 400');
    allow('status of 403');
    allow('status of 422');
    const username = await signUp(page);
    const old = `${username}@example.com`;
    const fresh = `${username}@new.example`;
    const other = await openPage(browser, server.url, DESKTOP);
    await other.page.goto('/login');
    await other.page.locator('#login-email').fill(old);
    await other.page.locator('#login-password').fill(PASSWORD);
    await other.page.locator('#login-form').getByRole('button', { name: 'Log in' }).click();
    await other.page.waitForURL('**/dashboard');

    await visit(page, '/account');
    const form = addressForm(page);
    assert.equal(await page.locator('#address-pending').isHidden(), true);
    await form.getByLabel('New e-mail address').fill('not-an-address');
    await form.getByLabel('Your password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Change e-mail address' }).click();
    await page.locator('#address-new-error').filter({ hasText: /\S/ }).waitFor();
    assert.equal(await form.getByLabel('New e-mail address').getAttribute('aria-invalid'), 'true');

    await form.getByLabel('New e-mail address').fill(fresh);
    await form.getByLabel('Your password').fill('not-the-password-at-all');
    await form.getByRole('button', { name: 'Change e-mail address' }).click();
    await page.locator('#address-password-error').filter({ hasText: /\S/ }).waitFor();
    assert.equal(await form.getByLabel('Your password').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#address-new-error').innerText(), '');
    await shot(page, 'story-email-change-wrong-password-375');

    await askToChange(page, fresh);
    const pending = `Changing to ${fresh}: open the link we sent there to finish. Until then your address stays ${old}.`;
    assert.equal(await page.locator('#address-pending').innerText(), pending);
    assert.equal(await form.getByLabel('New e-mail address').inputValue(), '');
    assert.equal(await form.getByLabel('Your password').inputValue(), '');
    assert.equal((await me(page)).email, old, 'nothing changed yet');
    await visit(page, '/account');
    assert.equal(await page.locator('#address-current').innerText(), old);
    assert.equal(await page.locator('#address-pending').innerText(), pending, 'the API keeps the change waiting');
    assert.deepEqual(await atBothWidths(page, 'email-account-pending'), []);

    await waitForMail(server.mailDir, old, NOTICE_SUBJECT);
    const link = await waitForTokenLink(server.mailDir, fresh, 'confirm-email');
    assert.ok(link.startsWith(`${server.url}/confirm-email#token=`), link);
    assert.deepEqual((await mailsTo(server.mailDir, fresh)).map(subjectOf), [CONFIRM_SUBJECT]);
    assert.equal((await mailsTo(server.mailDir, old)).some((message) => message.includes('/confirm-email#token=')), false,
      'the old address never gets the link');

    await visit(page, link);
    const done = outcome(page).filter({ hasText: 'Your e-mail address is changed and confirmed. Every other session was logged out and your API tokens were revoked.' });
    await done.waitFor();
    await done.getByText(`Your address is now ${fresh}.`).waitFor();
    assert.equal(page.url(), `${server.url}/confirm-email`, 'the token is dropped from the address bar');
    assert.equal(await banner(page).count(), 0, 'the new address is confirmed');
    assert.deepEqual(await atBothWidths(page, 'confirm-email-done'), []);
    assert.equal(await loggedInAs(page), username, 'this browser stays logged in');
    assert.equal(await loggedInAs(other.page), null, 'the other browser was logged out');

    await visit(page, '/account');
    assert.equal(await page.locator('#address-current').innerText(), fresh);
    assert.equal(await page.locator('#address-state').innerText(), 'Confirmed.');
    assert.equal(await page.locator('#address-pending').isHidden(), true);
    assert.equal(await page.locator('#profile-email').innerText(), fresh);

    await visit(page, link);
    await outcome(page).filter({ hasText: 'This link has expired or was already used, so nothing was changed.' }).waitFor();
    assert.deepEqual(await atBothWidths(page, 'confirm-email-spent'), []);

    await page.getByRole('button', { name: 'logout' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await page.goto('/login');
    await page.locator('#login-email').fill(fresh);
    await page.locator('#login-password').fill(PASSWORD);
    await page.locator('#login-form').getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL('**/dashboard');
    assert.equal(await loggedInAs(page), username);

    await visit(page, '/confirm-email');
    await page.getByRole('heading', { name: 'This page needs the link from your email' }).waitFor();
    assert.deepEqual([...errors, ...other.errors], []);
  });

  test('is refused for an address someone has, and at the link when someone took it meanwhile', async () => {
    const ada = await signedUpMember(browser, server.url, DESKTOP, 'ada');
    const bob = await signedUpMember(browser, server.url, PHONE, 'bob');
    ada.allow('status of 409');
    const shared = `${ada.username}-and-${bob.username}@shared.example`;

    await visit(ada.page, '/account');
    const form = addressForm(ada.page);
    await form.getByLabel('New e-mail address').fill(`${bob.username}@example.com`);
    await form.getByLabel('Your password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Change e-mail address' }).click();
    await ada.page.locator('#address-new-error').filter({ hasText: /\S/ }).waitFor();
    assert.equal(await form.getByLabel('New e-mail address').getAttribute('aria-invalid'), 'true');

    await askToChange(ada.page, shared);
    const adaLink = await waitForTokenLink(server.mailDir, shared, 'confirm-email');
    await visit(bob.page, '/account');
    await askToChange(bob.page, shared);
    const bobLink = await waitForTokenLink(server.mailDir, shared, 'confirm-email', { skip: [adaLink] });
    await visit(bob.page, bobLink);
    await outcome(bob.page).filter({ hasText: 'Your e-mail address is changed and confirmed.' }).waitFor();

    await visit(ada.page, adaLink);
    const taken = outcome(ada.page).filter({ hasText: 'Someone else has started using that address since you asked, so your address was not changed. You can choose another one on your account page.' });
    await taken.waitFor();
    assert.equal(await taken.getByRole('link', { name: 'Go to your account' }).getAttribute('href'), '/account');
    assert.deepEqual(await atBothWidths(ada.page, 'confirm-email-taken'), []);
    assert.equal((await me(ada.page)).email, `${ada.username}@example.com`);
    assert.equal((await me(bob.page)).email, shared);
    assert.deepEqual([...ada.errors, ...bob.errors], []);
  });
});

describe('a site that asks for confirmed addresses', () => {
  test('refuses a post until the address is confirmed, saying why on the form', async () => {
    const strict = await startServer({ env: { REQUIRE_VERIFIED_EMAIL: 'true' } });
    try {
      const { page, errors, allow } = await openPage(browser, strict.url, PHONE);
      allow('status of 403');
      const username = await signUp(page);
      const form = page.locator('#create-form');
      await form.getByLabel('Title').fill('Before confirming');
      await form.getByLabel('URL').fill('https://example.com/before');
      await form.getByRole('button', { name: 'Create' }).click();
      const refusal = alertIn(form);
      await refusal.waitFor();
      assert.ok((await refusal.innerText()).length > 0);
      await shot(page, 'story-email-unverified-post-375');

      await visit(page, await waitForTokenLink(strict.mailDir, `${username}@example.com`, 'verify'));
      await outcome(page).filter({ hasText: 'Your e-mail address is confirmed.' }).waitFor();
      await visit(page, '/dashboard');
      await form.getByLabel('Title').fill('After confirming');
      await form.getByLabel('URL').fill('https://example.com/after');
      await form.getByRole('button', { name: 'Create' }).click();
      await page.locator('#post-list .post', { hasText: 'After confirming' }).waitFor();
      assert.deepEqual(errors, []);
    } finally {
      await strict.stop();
    }
  });
});

// Programs (DESIGN.md section 22) as people use them from /account: a personal API token made
// on the page, shown once, used from outside the browser (Node's fetch with `Authorization:
// Bearer`) and then listed as "last used"; revoked on the page and refused from then on; the
// private feeds' URLs made, read, replaced and turned off; the export downloaded and read; and
// axe on the page with all of it showing. Setting the scene (members, posts, a token to list)
// goes through the API; what each story is about is done on the page.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { formatDate } from '../../js/format.js';
import { accessibilityViolations, DESKTOP, launchBrowser, PASSWORD, PHONE, shot, signedUpMember, startServer } from './harness.js';

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

const READ = 'Read (what you can see)';
const WRITE = 'Write (post, comment, vote, flag, save, hide, mute and the like as you)';
const MAKE = 'Make private feed URLs';
const REMAKE = 'New URLs (the old ones stop working)';
const EXPORT_KEYS = ['comments', 'filters', 'flags', 'hidden', 'invitations', 'muted', 'notifications', 'passkeys', 'posts',
  'profile', 'saved', 'sessions', 'settings', 'tokens', 'votes'];

/** A signed-up member with a page of their own (the harness's `signedUpMember`). */
function member(viewport = DESKTOP, prefix = 'member') {
  return signedUpMember(browser, server.url, viewport, prefix);
}

async function settled(page) {
  await page.locator('#main:not([aria-busy])').waitFor();
}

async function openAccount(page) {
  await page.goto('/account');
  await settled(page);
}

/** `path` on the server as the holder of `token`: `{status, body, headers}` (body parsed when JSON). */
async function withToken(token, path, init = {}) {
  const response = await fetch(`${server.url}${path}`, {
    ...init,
    headers: { Accept: 'application/json', Authorization: `Bearer ${token}`, ...(init.body ? { 'Content-Type': 'application/json' } : {}) },
  });
  const text = await response.text();
  let body = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body, headers: response.headers };
}

/** A feed's URL fetched by a feed reader (no cookie, no token): `{status, type, text}`. */
async function readFeed(url) {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type') || '', text: await response.text() };
}

/** Each listed token as `{name, scopes, dates}`, as the page shows them. */
function listedTokens(page) {
  return page.locator('#token-list .token').evaluateAll((items) => items.map((item) => ({
    name: item.querySelector('.token-name').textContent,
    scopes: item.querySelector('.token-scopes').textContent,
    dates: item.querySelector('.token-dates').textContent,
  })));
}

const focusedId = (page) => page.evaluate(() => document.activeElement && document.activeElement.id);

async function sideways(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

const escaped = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('API tokens', () => {
  test('a token made on /account is shown once, listed as "never used", answers as its owner, and is then "last used"', async () => {
    const alice = await member(DESKTOP, 'alice');
    const { page, context, errors, allow } = alice;
    allow('status of 403');
    allow('status of 422');
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await openAccount(page);
    const section = page.locator('#tokens');
    const form = section.locator('#token-form');
    assert.equal(await section.locator('#token-empty').innerText(), 'You have no API tokens.');
    assert.equal(await section.locator('#token-list .token').count(), 0);
    assert.equal(await form.getByLabel(READ).isChecked(), true);
    assert.equal(await form.getByLabel(WRITE).isChecked(), false);
    assert.equal(await form.getByLabel('Expires').inputValue(), '90');
    assert.deepEqual(await form.getByLabel('Expires').locator('option').allInnerTexts(), ['in 30 days', 'in 90 days', 'in 365 days', 'never']);
    const curl = await section.locator('#token-curl code').allInnerTexts();
    assert.equal(curl.length, 3);
    assert.equal(curl[0], `curl -H "Authorization: Bearer jtn_…" ${server.url}/api/users/me`);

    // A wrong password is said beside the password, nothing else.
    await form.getByLabel('Name').fill('Reading script');
    await form.getByLabel('Your password').fill('not-the-password-at-all');
    await form.getByRole('button', { name: 'Create token' }).click();
    await section.locator('#token-password-error').filter({ hasText: /\S/ }).waitFor();
    assert.equal(await section.locator('#token-password').getAttribute('aria-invalid'), 'true');
    assert.equal(await section.locator('#token-scopes-error').innerText(), '');
    assert.equal(await section.locator('#token-created').isHidden(), true);
    assert.equal(await section.locator('#token-list .token').count(), 0);

    // No scope at all is said beside the scopes.
    await form.getByLabel(READ).uncheck();
    await form.getByLabel('Your password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Create token' }).click();
    await section.locator('#token-scopes-error').filter({ hasText: /\S/ }).waitFor();
    assert.equal(await section.locator('#token-password-error').innerText(), '');
    assert.equal(await section.locator('#token-list .token').count(), 0);

    await form.getByLabel(READ).check();
    await form.getByRole('button', { name: 'Create token' }).click();
    const created = section.locator('#token-created');
    await created.waitFor();
    const token = await created.locator('#new-token').inputValue();
    assert.match(token, /^jtn_[0-9A-Za-z]{40,}$/);
    assert.equal(await created.locator('.warning').innerText(), 'Copy it now: it won\'t be shown again.');
    assert.equal(await created.locator('#new-token').getAttribute('readonly'), '');
    assert.equal(await focusedId(page), 'new-token');
    assert.equal(await section.locator('#token-scopes-error').innerText(), '');
    // The form is ready for another: empty, read ticked again, the password gone.
    assert.equal(await form.getByLabel('Name').inputValue(), '');
    assert.equal(await form.getByLabel('Your password').inputValue(), '');
    assert.equal(await form.getByLabel(READ).isChecked(), true);

    const { tokens } = await alice.call('GET', '/api/users/me/tokens');
    assert.equal(tokens.length, 1);
    const [made] = tokens;
    assert.deepEqual([made.name, made.scopes, made.last_used_at, 'token' in made], ['Reading script', ['read'], null, false]);
    assert.equal(Math.round((Date.parse(made.expires_at) - Date.parse(made.created_at)) / 86_400_000), 90);
    assert.equal(await created.locator('label').innerText(), `Your new token “Reading script” (read only, expires ${formatDate(made.expires_at)})`);
    const dates = `Created ${formatDate(made.created_at)} · expires ${formatDate(made.expires_at)}`;
    assert.deepEqual(await listedTokens(page), [{ name: 'Reading script', scopes: 'read only', dates: `${dates} · never used` }]);
    assert.equal(await section.locator('#token-empty').isHidden(), true);

    await created.getByRole('button', { name: 'Copy token' }).click();
    await created.getByRole('status').filter({ hasText: 'Copied.' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);
    await shot(page, 'tokens-created-1280');

    // Shown once: the page read afresh has it listed, never the secret.
    await page.reload();
    await settled(page);
    assert.equal(await section.locator('#token-created').isHidden(), true);
    assert.equal(await page.locator('#new-token').count(), 0);
    assert.equal((await page.content()).includes(token), false);
    assert.deepEqual(await listedTokens(page), [{ name: 'Reading script', scopes: 'read only', dates: `${dates} · never used` }]);

    // A program of theirs, with the token alone.
    const me = await withToken(token, '/api/users/me');
    assert.equal(me.status, 200);
    assert.equal(me.body.username, alice.username);
    const write = await withToken(token, '/api/posts', { method: 'POST', body: JSON.stringify({ title: 'From a read-only token', post_url: 'https://example.com/read-only' }) });
    assert.deepEqual([write.status, write.body.code], [403, 'insufficient_scope']);

    await page.reload();
    await settled(page);
    const [listed] = await listedTokens(page);
    assert.match(listed.dates, new RegExp(`^${escaped(dates)} · last used (just now|1 minute ago)$`));
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a token revoked on /account is refused at once with 401 invalid_token', async () => {
    const bob = await member(PHONE, 'bob');
    const { page, context, errors } = bob;
    const { token } = await bob.call('POST', '/api/users/me/tokens', { name: 'Old laptop', scopes: ['read', 'write'], expires_in_days: null, password: PASSWORD });
    assert.equal((await withToken(token, '/api/users/me')).status, 200);

    await openAccount(page);
    const section = page.locator('#tokens');
    const [listed] = await listedTokens(page);
    assert.deepEqual([listed.name, listed.scopes], ['Old laptop', 'read and write']);
    assert.match(listed.dates, /^Created \d\d\/\d\d\/\d\d · never expires · last used (just now|1 minute ago)$/);

    // Asked twice: "No, keep it" keeps it.
    const revoke = section.getByRole('button', { name: 'Revoke Old laptop' });
    await revoke.click();
    const confirm = section.locator('.token .confirm');
    assert.equal(await confirm.locator('p').innerText(), 'Revoke Old laptop? Whatever uses it is refused from now on.');
    assert.equal(await revoke.isHidden(), true);
    await confirm.getByRole('button', { name: 'No, keep it' }).click();
    assert.equal(await confirm.isHidden(), true);
    assert.equal(await revoke.evaluate((node) => node === document.activeElement), true);
    assert.equal(await section.locator('#token-list .token').count(), 1);
    assert.equal((await withToken(token, '/api/users/me')).status, 200);

    await revoke.click();
    await shot(page, 'tokens-revoke-asked-375');
    await confirm.getByRole('button', { name: 'Yes, revoke it' }).click();
    await section.locator('#token-empty').waitFor();
    assert.equal(await section.locator('#token-empty').innerText(), 'You have no API tokens.');
    assert.equal(await section.locator('#token-list .token').count(), 0);
    assert.equal(await focusedId(page), 'token-list-heading');

    const refused = await withToken(token, '/api/users/me');
    assert.equal(refused.status, 401);
    assert.equal(refused.body.code, 'invalid_token');
    assert.match(refused.headers.get('www-authenticate') || '', /^Bearer\b/);
    assert.deepEqual((await bob.call('GET', '/api/users/me/tokens')).tokens, []);
    await page.reload();
    await settled(page);
    assert.equal(await section.locator('#token-list .token').count(), 0);
    assert.deepEqual(errors, []);
    await context.close();
  });
});

describe('private feeds', () => {
  test('made on /account, read by a feed reader, replaced (the old URLs then 404) and turned off', async () => {
    const carol = await member(DESKTOP, 'carol');
    const { page, context, errors } = carol;
    const title = 'Carol reads this in her feed reader';
    await carol.call('POST', '/api/posts', { title, post_url: 'https://example.com/carol-feed' });
    await openAccount(page);
    const section = page.locator('#private-feeds');
    assert.equal(await section.locator('#feed-urls').isHidden(), true);
    assert.equal(await section.locator('#feed-make-hint').innerText(), 'Made before? New URLs replace them: the old ones stop working.');

    await section.getByRole('button', { name: MAKE }).click();
    await section.locator('#feed-urls').waitFor();
    const front = await section.getByLabel('Your front page (Atom)').inputValue();
    const inbox = await section.getByLabel('Your inbox (Atom)').inputValue();
    const [, secret] = new RegExp(`^${escaped(server.url)}/feeds/private/([^/]+)/front\\.atom$`).exec(front) || [];
    assert.ok(secret, `front page feed URL ${front}`);
    assert.equal(inbox, `${server.url}/feeds/private/${secret}/inbox.atom`);
    assert.equal(await section.locator('#feed-status').innerText(), 'Your private feeds are on. Any URLs made before no longer work.');
    assert.equal(await section.locator('#feed-urls .warning').innerText(), 'Copy them now: they won\'t be shown again.');
    assert.equal(await section.getByRole('button', { name: 'Copy front page URL' }).count(), 1);
    assert.equal(await section.getByRole('button', { name: 'Copy inbox URL' }).count(), 1);
    assert.equal(await section.getByRole('button', { name: REMAKE }).count(), 1);
    assert.equal(await section.getByRole('button', { name: MAKE }).count(), 0);
    assert.equal(await section.locator('#feed-make-hint').isHidden(), true);
    assert.equal(await focusedId(page), 'feed-front');

    const frontFeed = await readFeed(front);
    assert.equal(frontFeed.status, 200);
    assert.match(frontFeed.type, /^application\/atom\+xml/);
    assert.match(frontFeed.text, /<feed[\s>]/);
    assert.ok(frontFeed.text.includes(title), 'her post is in her front page feed');
    const inboxFeed = await readFeed(inbox);
    assert.equal(inboxFeed.status, 200);
    assert.match(inboxFeed.type, /^application\/atom\+xml/);

    await section.getByRole('button', { name: REMAKE }).click();
    await page.waitForFunction((old) => document.getElementById('feed-front')?.value !== old, front);
    const newFront = await section.getByLabel('Your front page (Atom)').inputValue();
    const newInbox = await section.getByLabel('Your inbox (Atom)').inputValue();
    assert.match(newFront, new RegExp(`^${escaped(server.url)}/feeds/private/[^/]+/front\\.atom$`));
    assert.notEqual(newFront, front);
    assert.equal((await readFeed(front)).status, 404);
    assert.equal((await readFeed(inbox)).status, 404);
    assert.equal((await readFeed(newFront)).status, 200);
    assert.equal((await readFeed(newInbox)).status, 200);

    await section.getByRole('button', { name: 'Turn off private feeds' }).click();
    await section.locator('#feed-status', { hasText: 'Your private feeds are off: their URLs no longer work.' }).waitFor();
    assert.equal(await section.locator('#feed-urls').isHidden(), true);
    assert.equal(await section.getByRole('button', { name: MAKE }).count(), 1);
    assert.equal((await readFeed(newFront)).status, 404);
    assert.equal((await readFeed(newInbox)).status, 404);
    assert.deepEqual(errors, []);
    await context.close();
  });
});

describe('your data', () => {
  test('"Download your data (JSON)" saves the export with one\'s own post in it, at most once a minute', async () => {
    const dave = await member(DESKTOP, 'dave');
    const { page, context, errors, allow } = dave;
    allow('status of 429');
    const title = 'Dave takes this post with him';
    const post = await dave.call('POST', '/api/posts', { title, post_url: 'https://example.com/dave-export' });
    const { token } = await dave.call('POST', '/api/users/me/tokens', { name: 'Exported, not its secret', scopes: ['read'], expires_in_days: 30, password: PASSWORD });
    await openAccount(page);
    const section = page.locator('#your-data');
    const link = section.getByRole('link', { name: 'Download your data (JSON)' });
    assert.equal(await link.getAttribute('href'), '/api/users/me/export');
    assert.equal(await link.getAttribute('download'), '');

    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    assert.equal(download.suggestedFilename(), `just-tech-news-${dave.username}.json`);
    const text = readFileSync(await download.path(), 'utf8');
    const data = JSON.parse(text);
    assert.deepEqual(Object.keys(data).sort(), EXPORT_KEYS);
    assert.equal(data.profile.username, dave.username);
    assert.deepEqual(data.posts.map((mine) => [mine.id, mine.title]), [[post.id, title]]);
    assert.deepEqual(data.tokens.map((listed) => listed.name), ['Exported, not its secret']);
    assert.equal(text.includes(token), false, 'the export holds no token secret');
    assert.equal(await section.locator('#export-status').innerText(), `Downloaded as just-tech-news-${dave.username}.json.`);

    await link.click();
    const refusal = section.locator('#export-error');
    await refusal.filter({ hasText: /\S/ }).waitFor();
    assert.match(await refusal.innerText(), /^You can download your data once a minute\. Try again in (\d+ seconds|1 second)\.$/);
    assert.equal(await section.locator('#export-status').innerText(), '');
    assert.deepEqual(errors, []);
    await context.close();
  });
});

describe('the account page with tokens and feeds', () => {
  for (const [name, viewport] of [['375', PHONE], ['1280', DESKTOP]]) {
    test(`axe finds nothing at ${name}px with a token listed, a new one shown and the feed URLs shown`, async () => {
      const erin = await member(viewport, 'erin');
      const { page, context, errors } = erin;
      await erin.call('POST', '/api/users/me/tokens', { name: 'Nightly backup', scopes: ['read'], expires_in_days: 30, password: PASSWORD });
      await openAccount(page);
      const form = page.locator('#token-form');
      await form.getByLabel('Name').fill('Posting bot');
      await form.getByLabel(WRITE).check();
      await form.getByLabel('Expires').selectOption({ label: 'never' });
      await form.getByLabel('Your password').fill(PASSWORD);
      await form.getByRole('button', { name: 'Create token' }).click();
      await page.locator('#token-created').waitFor();
      await page.locator('#private-feeds').getByRole('button', { name: MAKE }).click();
      await page.locator('#feed-urls').waitFor();
      const listed = await listedTokens(page);
      assert.deepEqual(listed.map((token) => [token.name, token.scopes]), [['Posting bot', 'read and write'], ['Nightly backup', 'read only']]);
      assert.match(listed[0].dates, /^Created \d\d\/\d\d\/\d\d · never expires · never used$/);
      assert.equal(await page.locator('#token-created label').innerText(), 'Your new token “Posting bot” (read and write, never expires)');

      assert.deepEqual(await accessibilityViolations(page), [], `/account at ${name}px`);
      assert.ok(await sideways(page) <= 0, `/account at ${name}px scrolls sideways`);
      await shot(page, `account-tokens-${name}`);

      // The revoke question too.
      await page.getByRole('button', { name: 'Revoke Nightly backup' }).click();
      assert.deepEqual(await accessibilityViolations(page), [], `/account at ${name}px, asking to revoke`);
      assert.deepEqual(errors, []);
      await context.close();
    });
  }
});

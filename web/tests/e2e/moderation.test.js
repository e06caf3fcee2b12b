// The community (DESIGN.md section 15) as people use it in a browser: flags, the moderation
// queue and its public log, removals, bans, roles and invitations; and the dashboard's answers
// to a link posted twice and to posting too often (section 14). Setting the scene goes through
// the API; what the story is about is done on the page. Moderators and admins are made with the
// server's command line (`admin grant`), which restarts the server on the same database.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createPost, DESKTOP, launchBrowser, openPage, PASSWORD, PHONE, shot, signedUpMember, signUp, startServer, uniqueName } from './harness.js';

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

/** A signed-up member with a page of their own (the harness's `signedUpMember`), on `site`. */
function member(viewport = DESKTOP, prefix = 'member', site = server) {
  return signedUpMember(browser, site.url, viewport, prefix);
}

/** A member given `role` ('moderator' or 'admin') on the command line. */
async function staff(viewport = DESKTOP, role = 'moderator') {
  const made = await member(viewport, role === 'admin' ? 'admin' : 'mod');
  await server.cli('admin', 'grant', made.username, role);
  return made;
}

async function settled(page) {
  await page.locator('#main:not([aria-busy])').waitFor();
}

async function logIn(page, email, password) {
  await page.goto('/login');
  await page.locator('#login-email').fill(email);
  await page.locator('#login-password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/** The comment whose own text (not its replies') contains `text`. */
function commentBody(page, text) {
  return page.locator('.comment-body', { has: page.locator('.comment-html', { hasText: text }) });
}

async function sideways(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** Screenshots NAME-375 and NAME-1280, insisting neither width scrolls sideways. */
async function shots(page, name) {
  const viewport = page.viewportSize();
  for (const [width, size] of [['375', PHONE], ['1280', DESKTOP]]) {
    await page.setViewportSize(size);
    await shot(page, `${name}-${width}`);
    const overflow = await sideways(page);
    assert.ok(overflow <= 0, `${name} at ${width}px scrolls sideways by ${overflow}px`);
  }
  await page.setViewportSize(viewport);
}

describe('a flagged post', () => {
  test('is flagged from the listing, removed from the queue with a reason, gone from /, and in the public log', async () => {
    const author = await member(DESKTOP, 'author');
    const post = await author.call('POST', '/api/posts', { title: 'Cheap watches, best prices', post_url: 'https://shop.example.com/watches' });
    const reader = await member(PHONE, 'reader');
    reader.allow('status of 404');
    const mod = await staff(DESKTOP);

    await author.page.goto('/new');
    await settled(author.page);
    const own = author.page.locator('.post', { hasText: 'Cheap watches' });
    await own.waitFor();
    assert.equal(await own.getByRole('button', { name: 'flag', exact: true }).count(), 0);

    const { page } = reader;
    await page.goto('/new');
    await settled(page);
    const item = page.locator('.post', { hasText: 'Cheap watches' });
    const flag = item.getByRole('button', { name: 'flag', exact: true });
    await flag.click();
    const reason = item.getByLabel('Why flag this post?');
    assert.equal(await reason.evaluate((node) => node === document.activeElement), true);
    assert.deepEqual(await reason.locator('option').allInnerTexts(), ['Spam', 'Off-topic', 'Duplicate', 'Broken link', 'Abusive']);
    await reason.selectOption('spam');
    await item.getByRole('button', { name: 'Flag', exact: true }).click();
    await item.getByRole('status').filter({ hasText: 'Flagged as spam' }).waitFor();
    await shot(page, 'story-flag-picker-375');
    assert.ok(await sideways(page) <= 0);
    await item.getByRole('button', { name: 'Take back' }).click();
    await item.getByRole('status').filter({ hasText: 'taken back' }).waitFor();
    await item.getByRole('button', { name: 'Flag', exact: true }).click();
    await item.getByRole('status').filter({ hasText: 'Flagged as spam' }).waitFor();
    await item.getByRole('button', { name: 'Cancel' }).click();
    assert.equal(await item.locator('form').count(), 0);
    assert.equal(await flag.evaluate((node) => node === document.activeElement), true);

    await mod.page.goto('/moderation');
    const queued = mod.page.locator('.queue-item', { hasText: 'Cheap watches' });
    await queued.waitFor();
    assert.match(await queued.innerText(), /by \S+ · 1 flag: Spam \(1\)/);
    assert.equal(await queued.getByRole('link', { name: author.username }).getAttribute('href'), `/user/${author.username}`);
    assert.equal(await queued.getByRole('link', { name: 'Cheap watches, best prices' }).getAttribute('href'), `/post/${post.id}`);
    assert.equal(await mod.page.locator('#site-nav').getByRole('link', { name: 'moderation' }).getAttribute('aria-current'), 'page');
    await shots(mod.page, 'story-moderation-queue');

    await queued.getByRole('button', { name: 'Remove', exact: true }).click();
    await queued.getByLabel('Reason for removing').fill('Advertising, not news');
    await shot(mod.page, 'story-moderation-remove-1280');
    await queued.getByRole('button', { name: 'Remove post' }).click();
    await mod.page.getByRole('status').filter({ hasText: 'The post is removed.' }).waitFor();
    await queued.waitFor({ state: 'detached' });
    const entry = mod.page.locator('.log-entry', { hasText: 'Cheap watches' });
    await entry.waitFor();
    assert.match(await entry.innerText(), new RegExp(`${mod.username} removed the post Cheap watches, best prices\\s+Reason: Advertising, not news`));

    await page.goto('/');
    await settled(page);
    await page.goto('/new');
    await settled(page);
    assert.equal(await page.locator('.post', { hasText: 'Cheap watches' }).count(), 0);
    await page.goto(`/post/${post.id}`);
    await page.getByRole('heading', { name: 'Post not found' }).waitFor();

    const visitor = await openPage(browser, server.url, PHONE);
    await visitor.page.goto('/moderation');
    await settled(visitor.page);
    assert.equal(await visitor.page.locator('#moderator-tools').isVisible(), false);
    const logged = visitor.page.locator('.log-entry', { hasText: 'Cheap watches' });
    assert.match(await logged.innerText(), /removed the post Cheap watches, best prices\s+Reason: Advertising, not news/);
    assert.equal(await logged.getByRole('link', { name: mod.username }).getAttribute('href'), `/user/${mod.username}`);
    assert.equal(await logged.getByRole('link', { name: 'Cheap watches, best prices' }).getAttribute('href'), `/post/${post.id}`);
    await shots(visitor.page, 'story-moderation-log-logged-out');
    assert.deepEqual([...author.errors, ...reader.errors, ...mod.errors, ...visitor.errors], []);
    for (const context of [author.context, reader.context, mod.context, visitor.context]) await context.close();
  });
});

describe('on a post page, a moderator', () => {
  test('removes and restores a flagged comment and the post, each marked "Removed" with its reason meanwhile', async () => {
    const author = await member(DESKTOP, 'writer');
    const post = await author.call('POST', '/api/posts', { title: 'A post with a rude reply', post_url: 'https://example.com/rude-reply' });
    const reader = await member(PHONE, 'reader');
    reader.allow('status of 404');
    const rude = await reader.call('POST', '/api/comments', { post_id: post.id, comment_text: 'You are all idiots' });

    await author.page.goto(`/post/${post.id}`);
    const flagged = commentBody(author.page, 'You are all idiots');
    await flagged.getByRole('button', { name: 'flag', exact: true }).click();
    const reason = flagged.getByLabel('Why flag this comment?');
    assert.deepEqual(await reason.locator('option').allInnerTexts(), ['Spam', 'Off-topic', 'Abusive']);
    await reason.selectOption('abusive');
    await flagged.getByRole('button', { name: 'Flag', exact: true }).click();
    await flagged.getByRole('status').filter({ hasText: 'Flagged as abusive' }).waitFor();
    assert.equal(await author.page.locator('.post-detail').getByRole('button', { name: 'flag', exact: true }).count(), 0);

    await reader.page.goto(`/post/${post.id}`);
    await commentBody(reader.page, 'You are all idiots').waitFor();
    assert.equal(await commentBody(reader.page, 'You are all idiots').getByRole('button', { name: 'flag', exact: true }).count(), 0);
    const detail = reader.page.locator('.post-detail');
    await detail.getByRole('button', { name: 'flag', exact: true }).click();
    await detail.getByLabel('Why flag this post?').selectOption('off_topic');
    await detail.getByRole('button', { name: 'Flag', exact: true }).click();
    await detail.getByRole('status').filter({ hasText: 'Flagged as off-topic' }).waitFor();
    await shots(reader.page, 'story-flag-post-page');

    const mod = await staff(DESKTOP);
    await mod.page.goto('/moderation');
    const queued = mod.page.locator('.queue-item', { hasText: 'You are all idiots' });
    await queued.waitFor();
    assert.match(await queued.innerText(), /comment on/i);
    assert.match(await queued.innerText(), /1 flag: Abusive \(1\)/);
    await queued.getByRole('link', { name: 'A post with a rude reply' }).click();
    await mod.page.waitForURL((url) => url.pathname === `/post/${post.id}` && url.hash === `#comment-${rude.id}`);

    const comment = commentBody(mod.page, 'You are all idiots');
    await comment.getByRole('button', { name: 'remove', exact: true }).click();
    await comment.getByLabel('Reason for removing').fill('Personal attack');
    await comment.getByRole('button', { name: 'Remove comment' }).click();
    await comment.locator('.removed-mark', { hasText: 'Personal attack' }).waitFor();
    assert.match(await comment.locator('.removed-mark').innerText(), /^Removed: Personal attack \(\d\d\/\d\d\/\d\d\)$/);
    assert.equal(await comment.getByRole('button', { name: 'remove', exact: true }).count(), 0);
    await shot(mod.page, 'story-moderation-comment-removed-1280');

    await reader.page.reload();
    await reader.page.locator('.comment-deleted').first().waitFor();
    assert.equal(await reader.page.getByText('You are all idiots').count(), 0);

    await comment.getByRole('button', { name: 'restore', exact: true }).click();
    await comment.getByRole('button', { name: 'Restore comment' }).click();
    await comment.locator('.removed-mark').waitFor({ state: 'detached' });
    await comment.getByRole('button', { name: 'remove', exact: true }).waitFor();

    const modDetail = mod.page.locator('.post-detail');
    await modDetail.getByRole('button', { name: 'remove', exact: true }).click();
    await modDetail.getByLabel('Reason for removing').fill('Duplicate of an older story');
    await modDetail.getByRole('button', { name: 'Remove post' }).click();
    await modDetail.locator('.removed-mark', { hasText: 'Duplicate of an older story' }).waitFor();
    await shots(mod.page, 'story-moderation-post-removed');
    await reader.page.reload();
    await reader.page.getByRole('heading', { name: 'Post not found' }).waitFor();

    await modDetail.getByRole('button', { name: 'restore', exact: true }).click();
    await modDetail.getByRole('button', { name: 'Restore post' }).click();
    await modDetail.locator('.removed-mark').waitFor({ state: 'detached' });
    await reader.page.reload();
    await commentBody(reader.page, 'You are all idiots').waitFor();

    await mod.page.goto('/moderation');
    await settled(mod.page);
    const lines = await mod.page.locator('.log-entry .log-line').allInnerTexts();
    assert.deepEqual(lines.slice(0, 2), [
      `${mod.username} restored the post A post with a rude reply`,
      `${mod.username} removed the post A post with a rude reply`,
    ]);
    assert.deepEqual(lines.slice(2, 4), [
      `${mod.username} restored the comment “You are all idiots”`,
      `${mod.username} removed the comment “You are all idiots”`,
    ]);
    assert.deepEqual([...author.errors, ...reader.errors, ...mod.errors], []);
    for (const context of [author.context, reader.context, mod.context]) await context.close();
  });
});

describe('a ban', () => {
  test('from the queue logs the member out on their next action, their login says why, and a moderator lifts it on their page', async () => {
    const troll = await member(PHONE, 'troll');
    troll.allow('status of 401');
    troll.allow('status of 403');
    const post = await troll.call('POST', '/api/posts', { title: 'Flame bait', post_url: 'https://example.com/flame-bait' });
    const reader = await member(DESKTOP, 'reader');
    const target = await reader.call('POST', '/api/posts', { title: 'A post worth voting on', post_url: 'https://example.com/worth-it' });
    await reader.call('PUT', `/api/posts/${post.id}/flag`, { reason: 'abusive' });
    const mod = await staff(DESKTOP);

    await troll.page.goto(`/post/${target.id}`);
    const upvote = troll.page.getByRole('button', { name: 'Upvote' });
    await upvote.waitFor();

    await mod.page.goto('/moderation');
    const queued = mod.page.locator('.queue-item', { hasText: 'Flame bait' });
    await queued.getByRole('button', { name: 'Ban author' }).click();
    const form = queued.locator('form');
    await form.getByLabel('Reason').fill('Trolling, again');
    const duration = form.getByLabel('For how long');
    assert.deepEqual(await duration.locator('option').allInnerTexts(), ['1 day', '7 days', '30 days', 'Permanent']);
    assert.equal(await duration.inputValue(), '7d');
    await duration.selectOption({ label: '30 days' });
    await shot(mod.page, 'story-moderation-ban-1280');
    await form.getByRole('button', { name: `Ban ${troll.username}` }).click();
    await mod.page.getByRole('status').filter({ hasText: `${troll.username} is banned.` }).waitFor();
    const entry = mod.page.locator('.log-entry', { hasText: 'Trolling, again' });
    await entry.waitFor();
    assert.match(await entry.innerText(), new RegExp(`${mod.username} banned ${troll.username}\\s+Reason: Trolling, again`));
    assert.equal(await entry.getByRole('link', { name: troll.username }).getAttribute('href'), `/user/${troll.username}`);

    await upvote.click();
    await troll.page.waitForURL('**/login');
    await troll.page.locator('#login-forms:not([hidden])').waitFor();
    await logIn(troll.page, `${troll.username}@example.com`, PASSWORD);
    const alert = troll.page.locator('#login-form').getByRole('alert');
    await alert.filter({ hasText: /\S/ }).waitFor();
    assert.match(await alert.innerText(), /banned/i);
    assert.equal(new URL(troll.page.url()).pathname, '/login');
    await shot(troll.page, 'story-banned-login-375');

    await mod.page.goto(`/user/${troll.username}`);
    const mark = mod.page.locator('.banned-mark');
    await mark.waitFor();
    const in30Days = new Date(Date.now() + 30 * 24 * 60 * 60 * 1000);
    const pad = (n) => String(n).padStart(2, '0');
    const expected = `${pad(in30Days.getMonth() + 1)}/${pad(in30Days.getDate())}/${pad(in30Days.getFullYear() % 100)}`;
    assert.equal(await mark.innerText(), `Banned until ${expected}: Trolling, again`);
    await shots(mod.page, 'story-user-banned');
    await mod.page.getByRole('button', { name: 'Unban' }).click();
    await mod.page.getByRole('status').filter({ hasText: `${troll.username} is no longer banned.` }).waitFor();
    assert.equal(await mark.count(), 0);
    await mod.page.getByRole('button', { name: 'Ban', exact: true }).waitFor();

    await logIn(troll.page, `${troll.username}@example.com`, PASSWORD);
    await troll.page.waitForURL('**/dashboard');
    assert.deepEqual([...troll.errors, ...reader.errors, ...mod.errors], []);
    for (const context of [troll.context, reader.context, mod.context]) await context.close();
  });

  test('by name from /moderation, for good, then lifted the same way; an unknown name is said so', async () => {
    const mod = await staff(PHONE);
    mod.allow('status of 404');
    const spammer = await member(DESKTOP, 'spammer');
    await mod.page.goto('/moderation');
    const form = mod.page.locator('#ban-user-form');
    await form.getByLabel('Username').fill('nobody-by-this-name');
    await form.getByLabel('Reason').fill('Spam');
    await form.getByRole('button', { name: 'Ban', exact: true }).click();
    await form.getByRole('alert').filter({ hasText: 'Nobody here is called “nobody-by-this-name”.' }).waitFor();
    assert.equal(await form.getByLabel('Username').getAttribute('aria-invalid'), 'true');

    await form.getByLabel('Username').fill(spammer.username);
    await form.getByLabel('For how long').selectOption('permanent');
    await form.getByRole('button', { name: 'Ban', exact: true }).click();
    await form.getByRole('status').filter({ hasText: `${spammer.username} is banned permanently: Spam.` }).waitFor();
    await shot(mod.page, 'story-moderation-ban-by-name-375');
    assert.ok(await sideways(mod.page) <= 0);

    const visitor = await openPage(browser, server.url, DESKTOP);
    await visitor.page.goto(`/user/${spammer.username}`);
    await visitor.page.locator('.banned-mark', { hasText: 'Banned permanently: Spam' }).waitFor();
    assert.equal(await visitor.page.locator('.mod-tools').count(), 0);

    await form.getByLabel('Username').fill(spammer.username);
    await form.getByRole('button', { name: 'Unban' }).click();
    await form.getByRole('status').filter({ hasText: `${spammer.username} is no longer banned.` }).waitFor();
    await visitor.page.reload();
    await visitor.page.getByRole('heading', { level: 1, name: spammer.username }).waitFor();
    assert.equal(await visitor.page.locator('.banned-mark').count(), 0);
    assert.deepEqual([...mod.errors, ...spammer.errors, ...visitor.errors], []);
    for (const context of [mod.context, spammer.context, visitor.context]) await context.close();
  });
});

describe('an admin', () => {
  test('makes a member a moderator on their page; the new moderator sees the queue but cannot ban the admin', async () => {
    const admin = await staff(DESKTOP, 'admin');
    const helper = await member(PHONE, 'helper');
    await admin.page.goto(`/user/${helper.username}`);
    const tools = admin.page.locator('.mod-tools');
    await tools.waitFor();
    assert.equal(await tools.getByLabel('Role').inputValue(), 'user');
    await tools.getByLabel('Role').selectOption('moderator');
    await tools.getByRole('button', { name: 'Save role' }).click();
    await admin.page.getByRole('status').filter({ hasText: `${helper.username}'s role is now moderator.` }).waitFor();
    assert.match(await admin.page.locator('.profile').innerText(), /Role\s+moderator/);
    await shots(admin.page, 'story-user-admin-tools');

    await helper.page.goto('/moderation');
    await helper.page.locator('#moderator-tools:not([hidden])').waitFor();
    await helper.page.goto(`/user/${admin.username}`);
    await settled(helper.page);
    assert.equal(await helper.page.locator('.mod-tools').count(), 0);

    await admin.page.goto(`/user/${admin.username}`);
    await settled(admin.page);
    assert.equal(await admin.page.locator('.mod-tools').count(), 0);

    await admin.page.goto('/moderation');
    const entry = admin.page.locator('.log-entry', { hasText: `changed the role of ${helper.username}` });
    await entry.waitFor();
    assert.equal(await entry.getByRole('link', { name: admin.username }).getAttribute('href'), `/user/${admin.username}`);
    assert.match(await entry.innerText(), /\suser → moderator$/);
    const granted = admin.page.locator('.log-entry', { hasText: `changed the role of ${admin.username}` });
    assert.match(await granted.first().innerText(), new RegExp(`command line changed the role of ${admin.username}\\s+user → admin$`));
    assert.deepEqual([...admin.errors, ...helper.errors], []);
    await admin.context.close();
    await helper.context.close();
  });
});

describe('invitations', () => {
  test('when sign-up needs one: refused without a code, a member\'s link signs one person up, who is shown as invited by them', async () => {
    const site = await startServer({ env: { INVITE_MIN_AGE: '0' } });
    try {
      const inviter = await openPage(browser, site.url, DESKTOP);
      const inviterName = await signUp(inviter.page, uniqueName('inviter'));
      await site.restart({ env: { REGISTRATION: 'invite' } });

      const stranger = await openPage(browser, site.url, PHONE);
      stranger.allow('status of 403');
      await stranger.page.goto('/login');
      const form = stranger.page.locator('#signup-form');
      const code = form.getByLabel('Invitation code');
      await code.waitFor();
      assert.equal(await code.evaluate((node) => node.required), true);
      const strangerName = uniqueName('stranger');
      await form.getByLabel('Username').fill(strangerName);
      await form.getByLabel('Email').fill(`${strangerName}@example.com`);
      await form.getByLabel('Password').fill(PASSWORD);
      await form.getByRole('button', { name: 'Sign up' }).click();
      const refused = form.getByRole('alert').filter({ hasText: /\S/ });
      await refused.waitFor();
      assert.match(await refused.innerText(), /invit/i);
      assert.equal(new URL(stranger.page.url()).pathname, '/login');
      await shot(stranger.page, 'story-signup-invite-required-375');

      await inviter.page.goto('/account');
      const section = inviter.page.locator('#invitations');
      await section.getByText('You have not invited anyone yet.').waitFor();
      await section.getByRole('button', { name: 'Create an invitation' }).click();
      const linkBox = section.getByLabel('Invitation link');
      await linkBox.waitFor();
      const link = await linkBox.inputValue();
      const inviteCode = await section.locator('.invite-code').innerText();
      assert.equal(link, `${site.url}/login#invite=${inviteCode}`);
      await section.locator('.invite', { hasText: 'unused' }).waitFor();
      assert.match(await section.locator('.invite').innerText(), /^Created \d\d\/\d\d\/\d\d, expires \d\d\/\d\d\/\d\d · unused$/);
      await section.getByRole('button', { name: 'Copy link' }).click();
      await section.getByRole('status').filter({ hasText: /\S/ }).waitFor();
      await shots(inviter.page, 'story-account-invitations');

      const newcomer = await openPage(browser, site.url, PHONE);
      await newcomer.page.goto(link);
      await newcomer.page.locator('#login-forms:not([hidden])').waitFor();
      const signup = newcomer.page.locator('#signup-form');
      assert.equal(await signup.getByLabel('Invitation code').inputValue(), inviteCode);
      assert.equal(new URL(newcomer.page.url()).hash, '');
      const newName = uniqueName('newcomer');
      await signup.getByLabel('Username').fill(newName);
      await signup.getByLabel('Email').fill(`${newName}@example.com`);
      await signup.getByLabel('Password').fill(PASSWORD);
      await signup.getByRole('button', { name: 'Sign up' }).click();
      await newcomer.page.waitForURL('**/dashboard');
      await newcomer.page.goto(`/user/${newName}`);
      await newcomer.page.getByRole('heading', { level: 1, name: newName }).waitFor();
      assert.match(await newcomer.page.locator('.profile').innerText(), new RegExp(`Invited by\\s+${inviterName}`));
      assert.equal(await newcomer.page.locator('.profile').getByRole('link', { name: inviterName }).getAttribute('href'), `/user/${inviterName}`);

      await inviter.page.reload();
      await section.locator('.invite', { hasText: `used by ${newName}` }).waitFor();
      assert.equal(await section.getByLabel('Invitation link').count(), 0);

      const latecomer = await openPage(browser, site.url, PHONE);
      latecomer.allow('status of 403');
      await latecomer.page.goto(link);
      const again = latecomer.page.locator('#signup-form');
      await again.getByLabel('Invitation code').waitFor();
      const lateName = uniqueName('latecomer');
      await again.getByLabel('Username').fill(lateName);
      await again.getByLabel('Email').fill(`${lateName}@example.com`);
      await again.getByLabel('Password').fill(PASSWORD);
      await again.getByRole('button', { name: 'Sign up' }).click();
      const beside = latecomer.page.locator('#signup-invite-field .field-error');
      await beside.filter({ hasText: /\S/ }).waitFor();
      assert.equal(await again.getByLabel('Invitation code').getAttribute('aria-invalid'), 'true');
      assert.equal(new URL(latecomer.page.url()).pathname, '/login');
      await shot(latecomer.page, 'story-signup-invalid-invite-375');

      await site.restart({ env: { REGISTRATION: 'closed' } });
      const closed = await openPage(browser, site.url, DESKTOP);
      await closed.page.goto('/login');
      await closed.page.getByText('Sign-up is closed').waitFor();
      assert.equal(await closed.page.locator('#signup-form').isVisible(), false);
      await shot(closed.page, 'story-signup-closed-1280');

      assert.deepEqual([...inviter.errors, ...stranger.errors, ...newcomer.errors, ...latecomer.errors, ...closed.errors], []);
      for (const context of [inviter.context, stranger.context, newcomer.context, latecomer.context, closed.context]) await context.close();
    } finally {
      await site.stop();
    }
  });

  test('wait until a new account is old enough: the button is off and the page says from when', async () => {
    const { page, errors, context } = await member(PHONE, 'newbie');
    await page.goto('/account');
    const section = page.locator('#invitations');
    const note = section.getByText(/^You can invite people from \d\d\/\d\d\/\d\d\.$/);
    await note.waitFor();
    assert.equal(await section.getByRole('button', { name: 'Create an invitation' }).isDisabled(), true);
    assert.deepEqual(errors, []);
    await context.close();
  });
});

describe('the dashboard', () => {
  test('says a link was already posted, with a link to it, even written with http:// and a utm_source', async () => {
    const { page, errors, allow, context } = await openPage(browser, server.url, DESKTOP);
    allow('status of 409');
    await signUp(page);
    const first = await createPost(page, 'The original story', 'https://www.example.com/dup-story?id=7');
    const form = page.locator('#create-form');
    await form.getByLabel('Title').fill('The same story again');
    await form.getByLabel('URL').fill('http://example.com/dup-story?utm_source=feed&id=7');
    await form.getByRole('button', { name: 'Create' }).click();
    const alert = form.getByRole('alert').filter({ hasText: 'Already posted' });
    await alert.waitFor();
    assert.equal(await alert.getByRole('link').getAttribute('href'), `/post/${first}`);
    assert.equal(await form.getByLabel('URL').getAttribute('aria-invalid'), 'true');
    assert.equal(await form.getByLabel('Title').inputValue(), 'The same story again');
    assert.equal(await page.locator('#post-list .post').count(), 1);
    await shot(page, 'story-dashboard-already-posted-1280');
    await alert.getByRole('link').click();
    await page.waitForURL(`**/post/${first}`);
    await page.getByRole('heading', { level: 1, name: 'The original story' }).waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('shows the API\'s message when posting too often', async () => {
    const site = await startServer({ env: { POST_RATE: '1/h' } });
    try {
      const { page, errors, allow, context } = await openPage(browser, site.url, PHONE);
      allow('status of 429');
      await signUp(page);
      await createPost(page, 'One is fine', 'https://example.com/one-is-fine');
      const form = page.locator('#create-form');
      await form.getByLabel('Title').fill('Two is too many');
      await form.getByLabel('URL').fill('https://example.com/two-is-too-many');
      await form.getByRole('button', { name: 'Create' }).click();
      await form.getByRole('alert').filter({ hasText: /\S/ }).waitFor();
      assert.equal(await page.locator('#post-list .post').count(), 1);
      await shot(page, 'story-dashboard-rate-limited-375');
      assert.deepEqual(errors, []);
      await context.close();
    } finally {
      await site.stop();
    }
  });
});

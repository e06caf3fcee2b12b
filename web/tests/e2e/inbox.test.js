// The inbox (DESIGN.md section 20) as people use it in a browser: a reply counted in the header
// of the next page, the inbox leading to the comment in its thread, "mark all read" (and what
// arrives meanwhile staying unread), paging and the unread filter, muting a thread, and the
// e-mail setting on /account. Setting the scene (members, posts, the others' comments) goes
// through the API; what the story is about is done on the page.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { accessibilityViolations, DESKTOP, launchBrowser, openPage, PASSWORD, PHONE, shot, signedUpMember, startServer } from './harness.js';

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

/** A signed-up member with a page of their own (the harness's `signedUpMember`). */
function member(viewport = DESKTOP, prefix = 'member') {
  return signedUpMember(browser, server.url, viewport, prefix);
}

async function settled(page) {
  await page.locator('#main:not([aria-busy])').waitFor();
}

/** The header's inbox link once the page is drawn: `[its text, its aria-label]`. */
async function inboxInHeader(page) {
  await settled(page);
  const link = page.locator('#site-nav a[href="/inbox"]');
  return [await link.innerText(), await link.getAttribute('aria-label')];
}

/** The notifications listed on /inbox, each as the sentence its link says. */
function listed(page) {
  return page.locator('#notification-list .notification-link').allInnerTexts();
}

async function sideways(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

describe('the inbox', () => {
  test('a reply by someone else shows "inbox (1)" in the header of the next page the recipient opens', async () => {
    const alice = await member(DESKTOP, 'alice');
    const bob = await member(PHONE, 'bob');
    const title = 'Where do the replies go';
    const post = await alice.call('POST', '/api/posts', { title, post_url: 'https://example.com/replies' });
    const question = await alice.call('POST', '/api/comments', { post_id: post.id, comment_text: 'Does anyone read these?' });
    const { page, errors } = alice;
    await page.goto('/new');
    assert.deepEqual(await inboxInHeader(page), ['inbox', null]);

    await bob.call('POST', '/api/comments', { post_id: post.id, parent_id: question.id, comment_text: 'I *do*, every morning.' });
    await page.goto('/');
    assert.deepEqual(await inboxInHeader(page), ['inbox (1)', 'inbox, 1 unread']);
    await page.getByRole('navigation', { name: 'Site' }).getByRole('link', { name: 'inbox, 1 unread', exact: true }).click();
    await page.waitForURL('**/inbox');
    await settled(page);
    assert.deepEqual(await listed(page), [`${bob.username} replied to your comment on ${title}`]);
    const item = page.locator('#notification-list .notification');
    assert.equal(await item.locator('.new-mark').innerText(), 'new');
    assert.match(await item.locator('time').innerText(), /^(just now|1 minute ago)$/);
    assert.equal(await item.locator('.comment-html em').innerText(), 'do');
    assert.equal(await page.locator('#inbox-summary').innerText(), '1 unread notification.');
    assert.equal(await page.locator('#site-nav [aria-current="page"]').innerText(), 'inbox (1)');
    assert.equal(await page.title(), 'Inbox (1) · Just Tech News');
    await shot(page, 'inbox-one-unread-1280');

    // Nobody is told of their own reply.
    await bob.page.goto('/');
    assert.deepEqual(await inboxInHeader(bob.page), ['inbox', null]);
    assert.deepEqual([...errors, ...bob.errors], []);
    await alice.context.close();
    await bob.context.close();
  });

  test('links to the comment in its thread, where the post page scrolls to it and opening it marks it read', async () => {
    const alice = await member(PHONE, 'alice');
    const bob = await member(DESKTOP, 'bob');
    const title = 'A long thread with the answer at the bottom';
    const post = await alice.call('POST', '/api/posts', { title, post_url: 'https://example.com/long-thread' });
    for (let i = 1; i <= 15; i += 1) {
      await alice.call('POST', '/api/comments', { post_id: post.id, comment_text: `Note ${i} to myself, long enough to take a couple of lines on a phone.` });
    }
    const question = await alice.call('POST', '/api/comments', { post_id: post.id, comment_text: 'The question at the bottom' });
    const answer = await bob.call('POST', '/api/comments', { post_id: post.id, parent_id: question.id, comment_text: 'The answer you waited for' });

    const { page, errors } = alice;
    await page.goto('/inbox');
    await settled(page);
    const link = page.getByRole('link', { name: `${bob.username} replied to your comment on ${title}` });
    assert.equal(await link.getAttribute('href'), `/post/${post.id}#comment-${answer.id}`);
    await link.click();
    await page.waitForURL((url) => url.pathname === `/post/${post.id}` && url.hash === `#comment-${answer.id}`);
    const target = page.locator(`#comment-${answer.id}.linked`);
    await target.waitFor();
    await settled(page);
    assert.match(await target.innerText(), /The answer you waited for/);
    const place = await target.evaluate((node) => {
      const box = node.getBoundingClientRect();
      return { top: box.top, bottom: box.bottom, onPage: box.top + window.scrollY, viewport: window.innerHeight };
    });
    assert.ok(place.onPage > place.viewport, `the comment is ${place.onPage}px down the page: on the first screen, this proves nothing`);
    assert.ok(place.top >= 0 && place.bottom <= place.viewport, `the comment spans ${place.top}–${place.bottom}px of a ${place.viewport}px viewport`);
    assert.equal(await target.evaluate((node) => node === document.activeElement), true);
    assert.deepEqual(await inboxInHeader(page), ['inbox', null]);
    await shot(page, 'inbox-landed-on-comment-375', { x: 0, y: 0, width: PHONE.width, height: PHONE.height });

    await page.goto('/inbox');
    await settled(page);
    assert.deepEqual(await listed(page), [`${bob.username} replied to your comment on ${title}`]);
    assert.equal(await page.locator('.notification.unread, .new-mark').count(), 0);
    assert.equal(await page.locator('#inbox-summary').innerText(), 'Nothing unread.');
    assert.equal(await page.getByRole('button', { name: 'Mark all read' }).isHidden(), true);
    assert.deepEqual([...errors, ...bob.errors], []);
    await alice.context.close();
    await bob.context.close();
  });

  test('"mark all read" clears the count, but what arrived after the page was drawn stays unread', async () => {
    const alice = await member(DESKTOP, 'alice');
    const bob = await member(PHONE, 'bob');
    const title = 'Busy post';
    const post = await alice.call('POST', '/api/posts', { title, post_url: 'https://example.com/busy' });
    for (const text of ['First thoughts', 'Second thoughts']) {
      await bob.call('POST', '/api/comments', { post_id: post.id, comment_text: text });
    }
    const { page, errors } = alice;
    await page.goto('/inbox');
    assert.deepEqual(await inboxInHeader(page), ['inbox (2)', 'inbox, 2 unread']);
    assert.deepEqual(await listed(page), Array(2).fill(`${bob.username} commented on your post ${title}`));
    assert.deepEqual(await page.locator('#notification-list .comment-html').allInnerTexts(), ['Second thoughts', 'First thoughts']);
    assert.equal(await page.locator('.new-mark').count(), 2);

    await page.getByRole('button', { name: 'Mark all read' }).click();
    await page.locator('#inbox-summary', { hasText: 'Nothing unread.' }).waitFor();
    assert.deepEqual(await inboxInHeader(page), ['inbox', null]);
    assert.equal(await page.locator('#notification-list .notification').count(), 2);
    assert.equal(await page.locator('.notification.unread, .new-mark').count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Mark all read' }).isHidden(), true);
    assert.equal(await page.locator('#inbox-heading').evaluate((node) => node === document.activeElement), true);
    await page.reload();
    assert.deepEqual(await inboxInHeader(page), ['inbox', null]);
    assert.equal(await page.locator('.new-mark').count(), 0);

    await bob.call('POST', '/api/comments', { post_id: post.id, comment_text: 'Third thoughts' });
    await page.reload();
    assert.deepEqual(await inboxInHeader(page), ['inbox (1)', 'inbox, 1 unread']);
    // This one arrives while the page is open: "mark all read" did not see it, so it stays unread.
    await bob.call('POST', '/api/comments', { post_id: post.id, comment_text: 'Fourth thoughts, meanwhile' });
    await page.getByRole('button', { name: 'Mark all read' }).click();
    // The summary already said "1 unread" before the click: wait for the list drawn again, which
    // is the first to show the fourth comment.
    await page.locator('.notification.unread', { hasText: 'Fourth thoughts, meanwhile' }).waitFor();
    await page.locator('#inbox-summary', { hasText: '1 unread notification.' }).waitFor();
    assert.deepEqual(await inboxInHeader(page), ['inbox (1)', 'inbox, 1 unread']);
    assert.equal(await page.locator('#notification-list .notification').count(), 4);
    assert.deepEqual(await page.locator('.notification.unread .comment-html').allInnerTexts(), ['Fourth thoughts, meanwhile']);
    await shot(page, 'inbox-one-left-unread-1280');
    assert.deepEqual([...errors, ...bob.errors], []);
    await alice.context.close();
    await bob.context.close();
  });

  test('pages by 20, keeps the unread filter from page to page, and marks all read from page 2', async () => {
    const alice = await member(PHONE, 'alice');
    const bob = await member(DESKTOP, 'bob');
    const post = await alice.call('POST', '/api/posts', { title: 'Very busy post', post_url: 'https://example.com/very-busy' });
    for (let i = 1; i <= 22; i += 1) {
      await bob.call('POST', '/api/comments', { post_id: post.id, comment_text: `Comment number ${i}` });
    }
    const { notifications } = await alice.call('GET', '/api/notifications?page=2&per_page=20');
    assert.deepEqual(notifications.map((notification) => notification.comment.comment_html.replace(/<[^>]+>/g, '').trim()), ['Comment number 2', 'Comment number 1']);
    await alice.call('PUT', `/api/notifications/${notifications[1].id}/read`);

    const { page, errors } = alice;
    await page.goto('/inbox');
    await page.getByRole('navigation', { name: 'Show' }).getByRole('link', { name: 'Unread' }).click();
    await page.waitForURL('**/inbox?unread=true');
    await settled(page);
    const tabs = page.getByRole('navigation', { name: 'Show' });
    assert.equal(await tabs.getByRole('link', { name: 'Unread' }).getAttribute('aria-current'), 'page');
    assert.equal(await tabs.getByRole('link', { name: 'All' }).getAttribute('aria-current'), null);
    assert.equal(await page.locator('#notification-list .notification.unread').count(), 20);
    assert.equal(await page.locator('.page-number').innerText(), 'Page 1 of 2');
    assert.deepEqual(await inboxInHeader(page), ['inbox (21)', 'inbox, 21 unread']);
    await page.getByRole('link', { name: 'Next' }).click();
    await page.waitForURL('**/inbox?unread=true&page=2');
    await settled(page);
    assert.deepEqual(await page.locator('#notification-list .comment-html').allInnerTexts(), ['Comment number 2']);
    assert.equal(await page.locator('.page-number').innerText(), 'Page 2 of 2');
    await shot(page, 'inbox-unread-page-2-375');

    await page.getByRole('button', { name: 'Mark all read' }).click();
    await page.locator('#inbox-summary', { hasText: 'Nothing unread.' }).waitFor();
    assert.deepEqual(await inboxInHeader(page), ['inbox', null]);
    assert.equal(await page.locator('#empty').innerText(), 'Nothing unread: you have seen everything.');
    await page.goto('/inbox');
    await settled(page);
    assert.equal(await page.locator('#notification-list .notification').count(), 20);
    assert.equal(await page.locator('.notification.unread').count(), 0);
    assert.equal(await page.locator('.page-number').innerText(), 'Page 1 of 2');
    assert.deepEqual(errors, []);
    await alice.context.close();
    await bob.context.close();
  });

  test('muting a thread stops the next reply from reaching the inbox and the header count, until unmuted', async () => {
    const alice = await member(DESKTOP, 'alice');
    const bob = await member(PHONE, 'bob');
    const muted = await alice.call('POST', '/api/posts', { title: 'A thread to mute', post_url: 'https://example.com/mute-me' });
    const kept = await alice.call('POST', '/api/posts', { title: 'A thread to keep', post_url: 'https://example.com/keep-me' });
    const mine = await alice.call('POST', '/api/comments', { post_id: muted.id, comment_text: 'Tell me when someone answers' });
    const other = await alice.call('POST', '/api/comments', { post_id: kept.id, comment_text: 'And here too' });

    const { page, errors } = alice;
    await page.goto(`/post/${muted.id}`);
    await page.getByRole('button', { name: 'mute thread', exact: true }).click();
    await page.getByRole('button', { name: 'unmute thread', exact: true }).waitFor();
    const status = page.locator('.post-detail').getByRole('status');
    assert.equal(await status.innerText(), 'You won\'t be notified of new comments here.');
    await page.reload();
    await page.getByRole('button', { name: 'unmute thread', exact: true }).waitFor();
    assert.equal(await status.innerText(), 'You won\'t be notified of new comments here.');
    await shot(page, 'inbox-thread-muted-1280');

    await bob.call('POST', '/api/comments', { post_id: muted.id, parent_id: mine.id, comment_text: 'An answer you will not hear of' });
    await bob.call('POST', '/api/comments', { post_id: muted.id, comment_text: 'Nor of this one' });
    await bob.call('POST', '/api/comments', { post_id: kept.id, parent_id: other.id, comment_text: 'But you will hear of this' });
    await page.goto('/inbox');
    assert.deepEqual(await inboxInHeader(page), ['inbox (1)', 'inbox, 1 unread']);
    assert.deepEqual(await listed(page), [`${bob.username} replied to your comment on A thread to keep`]);

    await page.goto(`/post/${muted.id}`);
    await page.getByRole('button', { name: 'unmute thread', exact: true }).click();
    await page.getByRole('button', { name: 'mute thread', exact: true }).waitFor();
    assert.equal(await status.innerText(), 'You will be notified of replies and mentions here again.');
    await bob.call('POST', '/api/comments', { post_id: muted.id, parent_id: mine.id, comment_text: 'Now you hear me' });
    await page.goto('/inbox');
    assert.deepEqual(await inboxInHeader(page), ['inbox (2)', 'inbox, 2 unread']);
    assert.deepEqual(await listed(page), [
      `${bob.username} replied to your comment on A thread to mute`,
      `${bob.username} replied to your comment on A thread to keep`,
    ]);
    assert.deepEqual([...errors, ...bob.errors], []);
    await alice.context.close();
    await bob.context.close();
  });

  test('says who did what for every kind, someone whose account is gone and a deleted comment, and passes axe-core on a phone and a desktop', async () => {
    const anonymous = await openPage(browser, server.url, PHONE);
    await anonymous.page.goto('/inbox');
    await anonymous.page.waitForURL('**/login');
    await anonymous.context.close();

    const alice = await member(DESKTOP, 'alice');
    const bob = await member(DESKTOP, 'bob');
    const carol = await member(DESKTOP, 'carol');
    const dave = await member(DESKTOP, 'dave');
    const erin = await member(DESKTOP, 'erin');
    const post = await alice.call('POST', '/api/posts', { title: 'Inbox of every kind', post_url: 'https://example.com/every-kind' });
    const mine = await alice.call('POST', '/api/comments', { post_id: post.id, comment_text: 'My own comment' });
    await bob.call('POST', '/api/comments', { post_id: post.id, parent_id: mine.id, comment_text: 'A reply, already read' });
    const bobs = await bob.call('POST', '/api/posts', { title: 'Bob asks around', post_url: 'https://example.com/bob-asks' });
    await bob.call('POST', '/api/comments', { post_id: bobs.id, comment_text: `Thanks @${alice.username} for the tip` });
    const gone = await carol.call('POST', '/api/comments', { post_id: post.id, comment_text: 'Said in haste' });
    await carol.call('DELETE', `/api/comments/${gone.id}`);
    const text = await dave.call('POST', '/api/posts', { title: 'Hello from a text post', text: `Say hi to @${alice.username}.` });
    await erin.call('POST', '/api/comments', { post_id: post.id, comment_text: 'Goodbye, everyone' });
    await erin.call('DELETE', '/api/users/me', { password: PASSWORD });
    const reply = (await alice.call('GET', '/api/notifications')).notifications.find((notification) => notification.kind === 'reply');
    await alice.call('PUT', `/api/notifications/${reply.id}/read`);

    const { page, errors } = alice;
    await page.goto('/inbox');
    assert.deepEqual(await inboxInHeader(page), ['inbox (4)', 'inbox, 4 unread']);
    assert.deepEqual(await listed(page), [
      'someone (deleted account) commented on your post Inbox of every kind',
      `${dave.username} mentioned you in Hello from a text post`,
      `${carol.username} commented on your post Inbox of every kind`,
      `${bob.username} mentioned you in Bob asks around`,
      `${bob.username} replied to your comment on Inbox of every kind`,
    ]);
    const items = page.locator('#notification-list .notification');
    assert.deepEqual(await items.evaluateAll((nodes) => nodes.map((node) => node.classList.contains('unread'))), [true, true, true, true, false]);
    assert.equal(await items.nth(1).getByRole('link').getAttribute('href'), `/post/${text.id}`);
    assert.equal(await items.nth(1).locator('.comment-html, .comment-deleted').count(), 0);
    assert.equal(await items.nth(2).locator('.comment-deleted').innerText(), '[deleted]');
    assert.equal(await items.nth(2).getByText('Said in haste').count(), 0);
    const mention = items.nth(3).locator('.comment-html').getByRole('link', { name: `@${alice.username}` });
    assert.equal(await mention.getAttribute('href'), `/user/${alice.username}`);
    assert.equal(await items.nth(4).locator('.comment-html').innerText(), 'A reply, already read');
    assert.deepEqual(errors, []);

    const cookies = await alice.context.cookies();
    for (const [name, viewport] of [['375', PHONE], ['1280', DESKTOP]]) {
      for (const [url, ready] of [['/inbox', '#notification-list .notification'], ['/inbox?unread=true', '#notification-list .notification'],
        ['/account', '#email-box:enabled'], [`/post/${post.id}`, '.mute-thread']]) {
        const visit = await openPage(browser, server.url, viewport);
        await visit.context.addCookies(cookies);
        await visit.page.goto(url);
        await visit.page.locator(ready).first().waitFor();
        await visit.page.waitForLoadState('networkidle');
        if (url.startsWith('/inbox')) await shot(visit.page, `inbox${url.includes('unread') ? '-unread' : ''}-${name}`);
        assert.deepEqual(await accessibilityViolations(visit.page), [], `${url} at ${name}px`);
        assert.ok(await sideways(visit.page) <= 0, `${url} at ${name}px scrolls sideways`);
        assert.deepEqual(visit.errors, []);
        await visit.context.close();
      }
    }
    for (const someone of [alice, bob, carol, dave, erin]) await someone.context.close();
  });

  test('says what to expect when there is nothing yet, and passes axe-core empty', async () => {
    const { page, errors, username, context } = await member(PHONE, 'quiet');
    await page.goto('/inbox');
    await settled(page);
    assert.equal(await page.locator('#empty').innerText(),
      `Nothing yet. When someone replies to your comments, comments on your posts or mentions you as @${username}, it shows up here.`);
    assert.equal(await page.locator('#notification-list .notification').count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Mark all read' }).isHidden(), true);
    assert.equal(await page.locator('.pager').count(), 0);
    await shot(page, 'inbox-empty-375');
    assert.deepEqual(await accessibilityViolations(page), []);
    assert.deepEqual(errors, []);
    await context.close();
  });
});

describe('the e-mail setting', () => {
  test('on /account is saved as soon as it is ticked, and is still ticked after a reload', async () => {
    const { page, errors, call, context } = await member(PHONE, 'mailme');
    await page.goto('/account');
    const section = page.locator('#email-notifications');
    const box = section.getByLabel('E-mail me when someone replies to or mentions me');
    await page.locator('#email-box:enabled').waitFor();
    assert.equal(await box.isChecked(), false);
    assert.match(await section.innerText(), /The first mail comes within a minute, then at most one every 15 minutes\./);

    await box.check();
    await section.getByRole('status').filter({ hasText: 'Saved: you will be e-mailed when someone replies to or mentions you.' }).waitFor();
    assert.deepEqual((await call('GET', '/api/users/me')).settings, { email_notifications: true });
    await page.reload();
    await page.locator('#email-box:enabled').waitFor();
    assert.equal(await box.isChecked(), true);
    await shot(page, 'account-email-on-375');

    await box.uncheck();
    await section.getByRole('status').filter({ hasText: 'Saved: no e-mails.' }).waitFor();
    await page.reload();
    await page.locator('#email-box:enabled').waitFor();
    assert.equal(await box.isChecked(), false);
    assert.deepEqual((await call('GET', '/api/users/me')).settings, { email_notifications: false });
    assert.deepEqual(errors, []);
    await context.close();
  });
});

// Ranking, threads and people (DESIGN.md sections 11–13), each story as a person would do it.
// Setting the scene (members, posts, votes) goes through the API; what the story is about is
// done on the page.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { DESKTOP, launchBrowser, openPage, PHONE, shot, signedUpMember, startServer } from './harness.js';

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

/** The titles shown on the page, in order. */
async function titles(page) {
  return page.locator('.post-list .post-title a').allInnerTexts();
}

/** The comment whose own text (not its replies') contains `text`. */
function commentBody(page, text) {
  return page.locator('.comment-body', { has: page.locator('.comment-html', { hasText: text }) });
}

async function sideways(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

describe('the listings', () => {
  test('put a post with more votes above a newer one on / and /top, keep /new newest first, and mark where you are', async () => {
    const author = await member();
    const older = await author.call('POST', '/api/posts', { title: 'Voted up by readers', post_url: 'https://example.com/voted' });
    await author.call('POST', '/api/posts', { title: 'Newer but unvoted', post_url: 'https://example.com/unvoted' });
    for (let i = 0; i < 2; i += 1) {
      const voter = await member();
      await voter.call('PUT', `/api/posts/${older.id}/vote`);
      await voter.context.close();
    }
    const { page, errors } = author;
    const before = (list, a, b) => list.indexOf(a) !== -1 && list.indexOf(b) !== -1 && list.indexOf(a) < list.indexOf(b);

    await page.goto('/');
    await settled(page);
    assert.ok(before(await titles(page), 'Voted up by readers', 'Newer but unvoted'), (await titles(page)).join(', '));
    assert.equal(await page.locator('.brand').getAttribute('aria-current'), 'page');
    assert.equal(await page.locator('#site-nav [aria-current]').count(), 0);

    await page.locator('#site-nav').getByRole('link', { name: 'new' }).click();
    await page.waitForURL('**/new');
    await settled(page);
    assert.ok(before(await titles(page), 'Newer but unvoted', 'Voted up by readers'));
    assert.equal(await page.locator('#site-nav').getByRole('link', { name: 'new' }).getAttribute('aria-current'), 'page');
    assert.equal(await page.locator('.brand').getAttribute('aria-current'), null);

    await page.locator('#site-nav').getByRole('link', { name: 'top' }).click();
    await page.waitForURL('**/top');
    await settled(page);
    assert.equal(await page.locator('#site-nav').getByRole('link', { name: 'top' }).getAttribute('aria-current'), 'page');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Top posts of the last week');
    const periods = page.getByRole('navigation', { name: 'Period' });
    assert.equal(await periods.getByRole('link', { name: 'week' }).getAttribute('aria-current'), 'page');
    assert.ok(before(await titles(page), 'Voted up by readers', 'Newer but unvoted'));
    assert.match(await page.locator('.post', { hasText: 'Voted up by readers' }).innerText(), /2 points by /);
    await shot(page, 'story-top-week-1280');

    await periods.getByRole('link', { name: 'day' }).click();
    await page.waitForURL('**/top?period=day');
    await settled(page);
    assert.equal(await periods.getByRole('link', { name: 'day' }).getAttribute('aria-current'), 'page');
    assert.equal(await periods.getByRole('link', { name: 'week' }).getAttribute('aria-current'), null);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Top posts of the last day');
    assert.equal((await titles(page))[0], 'Voted up by readers');

    await periods.getByRole('link', { name: 'all time' }).click();
    await page.waitForURL('**/top?period=all');
    await settled(page);
    assert.equal(await periods.getByRole('link', { name: 'all time' }).getAttribute('aria-current'), 'page');
    assert.equal((await titles(page))[0], 'Voted up by readers');
    assert.deepEqual(errors, []);
    await author.context.close();

    const phone = await openPage(browser, server.url, PHONE);
    await phone.page.goto('/top?period=day');
    await settled(phone.page);
    await shot(phone.page, 'story-top-day-375');
    assert.ok(await sideways(phone.page) <= 0);
    assert.deepEqual(phone.errors, []);
    await phone.context.close();
  });

  test('page /top by 20, keeping the period', async () => {
    const author = await member(PHONE);
    for (let i = 1; i <= 25; i += 1) {
      await author.call('POST', '/api/posts', { title: `Top paging ${i}`, post_url: `https://example.com/top/${i}` });
    }
    const { page, errors } = author;
    await page.goto('/top?period=month');
    await settled(page);
    assert.equal(await page.locator('#post-list .post').count(), 20);
    await page.getByRole('link', { name: 'Next' }).click();
    await page.waitForURL('**/top?period=month&page=2');
    await settled(page);
    assert.ok((await page.locator('#post-list .post').count()) >= 5);
    assert.equal(await page.getByRole('navigation', { name: 'Period' }).getByRole('link', { name: 'month' }).getAttribute('aria-current'), 'page');
    await page.getByRole('link', { name: 'Prev' }).click();
    await page.waitForURL((url) => url.pathname === '/top' && url.search === '?period=month');
    assert.deepEqual(errors, []);
    await author.context.close();
  });
});

describe('a thread', () => {
  test('nests a reply to a reply under it, indented further, on a phone and a desktop', async () => {
    const alice = await member(DESKTOP, 'alice');
    const post = await alice.call('POST', '/api/posts', { title: 'Threads are here', post_url: 'https://example.com/threads' });
    await alice.call('POST', '/api/comments', { post_id: post.id, comment_text: 'Top-level thought, with **strong** words.' });
    const bob = await member(PHONE, 'bob');

    await bob.page.goto(`/post/${post.id}`);
    const top = commentBody(bob.page, 'Top-level thought');
    await top.waitFor();
    assert.equal(await top.locator('strong').innerText(), 'strong');
    await top.getByRole('button', { name: 'reply', exact: true }).click();
    const reply = top.getByLabel(`Reply to ${alice.username}`);
    assert.equal(await reply.evaluate((node) => node === document.activeElement), true);
    await reply.fill('A reply from bob');
    await top.getByRole('button', { name: 'Post reply' }).click();
    await commentBody(bob.page, 'A reply from bob').waitFor();
    assert.equal(await top.locator('form').count(), 0);
    assert.equal(await bob.page.locator('.comment-list .comment').count(), 2);

    await alice.page.goto(`/post/${post.id}`);
    const second = commentBody(alice.page, 'A reply from bob');
    await second.getByRole('button', { name: 'reply', exact: true }).click();
    await second.getByLabel(`Reply to ${bob.username}`).fill('And a reply to the reply');
    await second.getByRole('button', { name: 'Post reply' }).click();
    const third = commentBody(alice.page, 'And a reply to the reply');
    await third.waitFor();
    assert.equal(await third.evaluate((node) => node === document.activeElement), true);
    assert.match(await alice.page.locator('.post-detail').innerText(), /3 comments/);

    for (const { page, name } of [{ page: alice.page, name: '1280' }, { page: bob.page, name: '375' }]) {
      if (page === bob.page) await page.reload();
      const bodies = ['Top-level thought', 'A reply from bob', 'And a reply to the reply'].map((text) => commentBody(page, text));
      await bodies[2].waitFor();
      const xs = [];
      for (const body of bodies) xs.push((await body.boundingBox()).x);
      assert.ok(xs[0] < xs[1] && xs[1] < xs[2], `indentation at ${name}px: ${xs.join(', ')}`);
      const depths = await page.locator('.comment-list .comment').evaluateAll((items) => items.map((item) => item.className));
      assert.deepEqual(depths, ['comment depth-0', 'comment depth-1', 'comment depth-2']);
      // The reply is inside its parent's list item: the structure itself says what answers what.
      assert.equal(await page.locator('.comment.depth-1 > .replies > .comment.depth-2').count(), 1);
      const author = page.locator('.comment.depth-1 > .comment-body .author');
      assert.equal(await author.innerText(), bob.username);
      assert.equal(await author.getAttribute('href'), `/user/${bob.username}`);
      await shot(page, `story-thread-nested-${name}`);
      assert.ok(await sideways(page) <= 0);
    }
    assert.deepEqual([...alice.errors, ...bob.errors], []);
    await alice.context.close();
    await bob.context.close();
  });

  test('eight levels deep still reads on a phone, and the deepest comment has no reply button', async () => {
    const writer = await member(PHONE);
    const post = await writer.call('POST', '/api/posts', { title: 'A very deep discussion', post_url: 'https://example.com/deep' });
    let parent = null;
    for (let depth = 0; depth <= 8; depth += 1) {
      const comment = await writer.call('POST', '/api/comments', {
        post_id: post.id,
        parent_id: parent,
        comment_text: `Level ${depth}: a sentence long enough to wrap over a couple of lines on a phone screen.`,
      });
      parent = comment.id;
    }
    const { page, errors } = writer;
    await page.goto(`/post/${post.id}`);
    const deepest = commentBody(page, 'Level 8:');
    await deepest.waitFor();
    assert.equal(await deepest.getByRole('button', { name: 'reply', exact: true }).count(), 0);
    assert.equal(await deepest.getByRole('button', { name: 'edit', exact: true }).count(), 1);
    assert.equal(await commentBody(page, 'Level 7:').getByRole('button', { name: 'reply', exact: true }).count(), 1);
    const box = await deepest.boundingBox();
    assert.ok(box.width >= 375 * 0.6, `the deepest comment is ${box.width}px wide on a phone`);
    assert.ok(await sideways(page) <= 0);
    await shot(page, 'story-thread-deep-375');
    await page.setViewportSize(DESKTOP);
    await shot(page, 'story-thread-deep-1280');
    assert.deepEqual(errors, []);
    await writer.context.close();
  });

  test('lets you edit your own comment, which is then marked edited, and not anyone else\'s', async () => {
    const mine = await member(DESKTOP);
    const post = await mine.call('POST', '/api/posts', { title: 'Edit me', post_url: 'https://example.com/edit-me' });
    await mine.call('POST', '/api/comments', { post_id: post.id, comment_text: 'Frist post' });
    const other = await member(PHONE);
    await other.call('POST', '/api/comments', { post_id: post.id, comment_text: 'Not yours to edit' });

    const { page, errors } = mine;
    await page.goto(`/post/${post.id}`);
    const theirs = commentBody(page, 'Not yours to edit');
    await theirs.waitFor();
    assert.equal(await theirs.getByRole('button', { name: 'edit', exact: true }).count(), 0);
    assert.equal(await theirs.getByRole('button', { name: 'delete', exact: true }).count(), 0);
    assert.equal(await theirs.getByRole('button', { name: 'reply', exact: true }).count(), 1);

    const own = commentBody(page, 'Frist post');
    assert.equal(await own.locator('.edited').count(), 0);
    await own.getByRole('button', { name: 'edit', exact: true }).click();
    const box = own.getByLabel('Edit your comment');
    assert.equal(await box.inputValue(), 'Frist post');
    await own.getByRole('button', { name: 'Cancel' }).click();
    assert.equal(await own.getByLabel('Edit your comment').count(), 0);
    assert.equal(await own.getByRole('button', { name: 'edit', exact: true }).evaluate((node) => node === document.activeElement), true);

    await own.getByRole('button', { name: 'edit', exact: true }).click();
    await own.getByLabel('Edit your comment').fill('First post, *properly* spelt');
    await own.getByRole('button', { name: 'Save' }).click();
    const edited = commentBody(page, 'First post, properly spelt');
    await edited.locator('.edited').waitFor();
    assert.equal(await edited.locator('em').innerText(), 'properly');
    assert.match(await edited.locator('.comment-meta').innerText(), /on \d\d\/\d\d\/\d\d · edited$/);
    await shot(page, 'story-comment-edited-1280');

    await page.reload();
    await commentBody(page, 'First post, properly spelt').locator('.edited').waitFor();
    assert.equal(await commentBody(page, 'Not yours to edit').locator('.edited').count(), 0);
    assert.deepEqual([...errors, ...other.errors], []);
    await mine.context.close();
    await other.context.close();
  });

  test('shows the API\'s message beside an edit it refuses, with what was typed kept', async () => {
    const { page, errors, allow, call, context } = await member(PHONE);
    allow('status of 422');
    const post = await call('POST', '/api/posts', { title: 'Refused edits', post_url: 'https://example.com/refused' });
    await call('POST', '/api/comments', { post_id: post.id, comment_text: 'Something worth keeping' });
    await page.goto(`/post/${post.id}`);
    const own = commentBody(page, 'Something worth keeping');
    await own.getByRole('button', { name: 'edit', exact: true }).click();
    await own.getByLabel('Edit your comment').fill('   ');
    await own.getByRole('button', { name: 'Save' }).click();
    await own.getByRole('alert').filter({ hasText: /\S/ }).waitFor();
    assert.match(await own.getByRole('alert').innerText(), /comment/i);
    assert.equal(await own.getByLabel('Edit your comment').inputValue(), '   ');
    assert.equal(await own.getByRole('button', { name: 'Save' }).isEnabled(), true);
    await page.reload();
    await commentBody(page, 'Something worth keeping').waitFor();
    await shot(page, 'story-comment-edit-refused-375');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('keeps a deleted comment\'s place as "[deleted]" with its reply still under it', async () => {
    const parentAuthor = await member(PHONE);
    const post = await parentAuthor.call('POST', '/api/posts', { title: 'Deleting in a thread', post_url: 'https://example.com/deleting' });
    const parent = await parentAuthor.call('POST', '/api/comments', { post_id: post.id, comment_text: 'I will regret this' });
    const replier = await member(DESKTOP);
    await replier.call('POST', '/api/comments', { post_id: post.id, parent_id: parent.id, comment_text: 'A reply that must survive' });
    await parentAuthor.call('POST', '/api/comments', { post_id: post.id, comment_text: 'A lonely comment, no replies' });

    const { page, errors } = parentAuthor;
    await page.goto(`/post/${post.id}`);
    const doomed = commentBody(page, 'I will regret this');
    await doomed.getByRole('button', { name: 'delete', exact: true }).click();
    await doomed.getByText('Delete this comment?').waitFor();
    await doomed.getByRole('button', { name: 'No, keep it' }).click();
    assert.equal(await doomed.getByRole('button', { name: 'Yes, delete it' }).count(), 0);
    await doomed.getByRole('button', { name: 'delete', exact: true }).click();
    await doomed.getByRole('button', { name: 'Yes, delete it' }).click();

    const placeholder = page.locator('.comment.depth-0', { has: page.locator(':scope > .comment-body .comment-deleted') });
    await placeholder.waitFor();
    assert.equal(await placeholder.locator(':scope > .comment-body').innerText(), '[deleted]');
    assert.equal(await placeholder.locator(':scope > .comment-body button').count(), 0);
    assert.equal(await placeholder.locator(':scope > .comment-body .author').count(), 0);
    assert.equal(await placeholder.locator(':scope > .replies .comment-html', { hasText: 'A reply that must survive' }).count(), 1);
    assert.equal(await page.getByText('I will regret this').count(), 0);
    assert.match(await page.locator('.post-detail').innerText(), /2 comments/);
    await shot(page, 'story-comment-deleted-375');

    const lonely = commentBody(page, 'A lonely comment, no replies');
    await lonely.getByRole('button', { name: 'delete', exact: true }).click();
    await lonely.getByRole('button', { name: 'Yes, delete it' }).click();
    await page.getByText('A lonely comment, no replies').waitFor({ state: 'detached' });
    assert.equal(await page.locator('.comment-list .comment').count(), 2);

    await replier.page.goto(`/post/${post.id}`);
    await commentBody(replier.page, 'A reply that must survive').waitFor();
    assert.equal(await replier.page.locator('.comment-deleted').innerText(), '[deleted]');
    assert.equal(await replier.page.locator('.comment.depth-0 > .comment-body').getByRole('button').count(), 0);
    await shot(replier.page, 'story-comment-deleted-1280');
    assert.deepEqual([...errors, ...replier.errors], []);
    await parentAuthor.context.close();
    await replier.context.close();
  });

  test('is read, without any buttons, by a visitor who is not logged in', async () => {
    const writer = await member();
    const post = await writer.call('POST', '/api/posts', { title: 'Read-only thread', post_url: 'https://example.com/read-only' });
    const top = await writer.call('POST', '/api/comments', { post_id: post.id, comment_text: 'Anyone can read this' });
    await writer.call('POST', '/api/comments', { post_id: post.id, parent_id: top.id, comment_text: 'And this reply' });
    const { page, errors, context } = await openPage(browser, server.url, PHONE);
    await page.goto(`/post/${post.id}`);
    await commentBody(page, 'And this reply').waitFor();
    assert.equal(await page.locator('.comment-list button').count(), 0);
    assert.equal(await page.getByLabel('Add a comment').count(), 0);
    assert.deepEqual(errors, []);
    await context.close();
    await writer.context.close();
  });
});

describe('someone\'s page', () => {
  test('is reached from an author link and shows their karma, posts and comments', async () => {
    const ada = await member(DESKTOP, 'ada');
    const post = await ada.call('POST', '/api/posts', { title: 'Ada writes about engines', post_url: 'https://example.com/engines' });
    await ada.call('POST', '/api/posts', { title: 'A second post by Ada', post_url: 'https://example.com/second' });
    const reader = await member(PHONE, 'reader');
    await reader.call('PUT', `/api/posts/${post.id}/vote`);
    const comment = await reader.call('POST', '/api/comments', { post_id: post.id, comment_text: 'Loved the part about `gears`.' });
    await ada.call('POST', '/api/comments', { post_id: post.id, parent_id: comment.id, comment_text: 'Thank you!' });

    const { page, errors } = reader;
    await page.goto('/new');
    await settled(page);
    await page.locator('.post', { hasText: 'Ada writes about engines' }).getByRole('link', { name: ada.username }).click();
    await page.waitForURL(`**/user/${ada.username}`);
    await page.getByRole('heading', { level: 1, name: ada.username }).waitFor();
    const facts = await page.locator('.profile').innerText();
    assert.match(facts, /Karma\s+1 point\b/);
    assert.match(facts, /Posts\s+2 posts/);
    assert.match(facts, /Comments\s+1 comment\b/);
    assert.match(facts, /Member since\s+\d\d\/\d\d\/\d\d/);
    assert.doesNotMatch(facts, /Role/);
    assert.deepEqual(await titles(page), ['A second post by Ada', 'Ada writes about engines']);
    const theirComments = page.locator('.user-comments .comment');
    assert.equal(await theirComments.count(), 1);
    assert.match(await theirComments.innerText(), /^on Ada writes about engines · \d\d\/\d\d\/\d\d\s+Thank you!$/);
    assert.equal(await page.title(), `${ada.username} · Just Tech News`);
    await shot(page, 'story-user-375');

    await theirComments.getByRole('link', { name: 'Ada writes about engines' }).click();
    await page.waitForURL((url) => url.pathname === `/post/${post.id}` && /^#comment-\d+$/.test(url.hash));
    await page.locator('.comment-body.linked', { hasText: 'Thank you!' }).waitFor();

    await commentBody(page, 'Loved the part').getByRole('link', { name: reader.username }).click();
    await page.waitForURL(`**/user/${reader.username}`);
    await page.getByRole('heading', { level: 1, name: reader.username }).waitFor();
    assert.match(await page.locator('.profile').innerText(), /Karma\s+0 points/);
    assert.equal(await page.locator('.user-comments code').innerText(), 'gears');
    assert.equal(await page.getByText('No posts yet.').count(), 1);

    const desktop = await openPage(browser, server.url, DESKTOP);
    await desktop.page.goto(`/user/${ada.username.toUpperCase()}`);
    await desktop.page.getByRole('heading', { level: 1, name: ada.username }).waitFor();
    await shot(desktop.page, 'story-user-1280');
    assert.deepEqual([...errors, ...ada.errors, ...desktop.errors], []);
    await desktop.context.close();
    await ada.context.close();
    await reader.context.close();
  });

  test('says "No such user" for a name nobody has', async () => {
    const { page, errors, allow, context } = await openPage(browser, server.url, PHONE);
    allow('status of 404');
    await page.goto('/user/nobody-by-this-name');
    await page.getByRole('heading', { name: 'No such user' }).waitFor();
    assert.match(await page.locator('#main').innerText(), /nobody-by-this-name/);
    await shot(page, 'story-user-missing-375');
    assert.deepEqual(errors, []);
    await context.close();
  });
});

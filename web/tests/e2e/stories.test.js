// The stories from the issue, each as a person would do it in a browser.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createPost, DESKTOP, launchBrowser, openPage, PASSWORD, PHONE, shot, signUp, startServer, uniqueName } from './harness.js';

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

async function nav(page) {
  return (await page.locator('#site-nav').innerText()).trim().split(/\s+/);
}

describe('a new member', () => {
  test('signs up from /login, lands on /dashboard and stays logged in after a reload', async () => {
    const { page, errors } = await openPage(browser, server.url, DESKTOP);
    await page.goto('/login');
    await page.locator('#login-forms:not([hidden])').waitFor();
    assert.deepEqual(await nav(page), ['new', 'top', 'moderation', 'login']);
    await shot(page, 'story-login-logged-out-1280');

    await signUp(page);
    assert.equal(new URL(page.url()).pathname, '/dashboard');
    assert.deepEqual(await nav(page), ['new', 'top', 'moderation', 'dashboard', 'inbox', 'saved', 'account', 'logout']);
    await shot(page, 'story-dashboard-empty-logged-in-1280');

    await page.goto('/');
    await page.locator('#main:not([aria-busy])').waitFor();
    assert.deepEqual(await nav(page), ['new', 'top', 'moderation', 'dashboard', 'inbox', 'saved', 'account', 'logout']);
    await page.reload();
    await page.locator('#main:not([aria-busy])').waitFor();
    assert.deepEqual(await nav(page), ['new', 'top', 'moderation', 'dashboard', 'inbox', 'saved', 'account', 'logout']);
    assert.deepEqual(errors, []);
  });

  test('sees the API\'s message next to the form when sign-up is refused, with what was typed kept', async () => {
    const { page, errors, allow } = await openPage(browser, server.url, PHONE);
    allow('status of 422');
    await page.goto('/login');
    const form = page.locator('#signup-form');
    await form.getByLabel('Username').fill('x');
    await form.getByLabel('Email').fill('x@example.com');
    await form.getByLabel('Password').fill('correct-horse-battery-staple');
    await form.getByRole('button', { name: 'Sign up' }).click();
    const alert = form.getByRole('alert');
    await alert.filter({ hasText: /\S/ }).waitFor();
    assert.match(await alert.innerText(), /username/i);
    assert.equal(await form.getByLabel('Email').inputValue(), 'x@example.com');
    assert.equal(new URL(page.url()).pathname, '/login');
    await shot(page, 'story-login-error-375');
    assert.deepEqual(errors, []);
  });

  test('sees why a login failed, with the email kept', async () => {
    const { page, errors, allow } = await openPage(browser, server.url, PHONE);
    allow('status of 401');
    const username = await signUp(page);
    await page.getByRole('button', { name: 'logout' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await page.goto('/login');
    const form = page.locator('#login-form');
    await form.getByLabel('Email').fill(`${username}@example.com`);
    await form.getByLabel('Password').fill('not-the-right-password');
    await form.getByRole('button', { name: 'Log in' }).click();
    await form.getByRole('alert').filter({ hasText: /\S/ }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal(await form.getByLabel('Email').inputValue(), `${username}@example.com`);
    await shot(page, 'story-login-failed-375');
    await form.getByLabel('Password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL('**/dashboard');
    assert.deepEqual(errors, []);
  });

  test('who is logged in and visits /login is sent to /dashboard', async () => {
    const { page, errors } = await openPage(browser, server.url);
    await signUp(page);
    await page.goto('/login');
    await page.waitForURL('**/dashboard');
    await page.locator('#dashboard:not([hidden])').waitFor();
    assert.deepEqual(errors, []);
  });
});

describe('a post', () => {
  test('has a comment form and an upvote button for a member, who can comment and upvote', async () => {
    const { page, errors } = await openPage(browser, server.url);
    await signUp(page);
    const id = await createPost(page, 'Rust 2024 edition released', 'https://www.rust-lang.org/blog');
    await page.goto('/');
    const item = page.locator('.post', { hasText: 'Rust 2024 edition released' });
    assert.match(await item.innerText(), /\(rust-lang\.org\)/);
    assert.match(await item.innerText(), /0 points by \S+ just now \| 0 comments/);
    const posted = item.locator('time');
    const datetime = await posted.getAttribute('datetime');
    assert.ok(Math.abs(Date.parse(datetime) - Date.now()) < 60_000, `datetime ${datetime}`);
    assert.equal(await posted.getAttribute('title'), await page.evaluate((at) => new Date(at).toLocaleString(), datetime));
    const titleLink = item.getByRole('link', { name: 'Rust 2024 edition released' });
    assert.equal(await titleLink.getAttribute('target'), '_blank');
    assert.equal(await titleLink.getAttribute('rel'), 'noopener noreferrer');

    await item.getByRole('link', { name: '0 comments' }).click();
    await page.waitForURL(`**/post/${id}`);
    const vote = page.getByRole('button', { name: /upvote/i });
    await vote.waitFor();
    assert.equal(await vote.getAttribute('aria-pressed'), 'false');
    await page.getByLabel('Add a comment').fill('First!\nSecond line.');
    await page.getByRole('button', { name: 'Post comment' }).click();
    await page.locator('.comment', { hasText: 'First!' }).waitFor();
    assert.equal(await page.getByLabel('Add a comment').inputValue(), '');
    assert.match(await page.locator('.post-detail').innerText(), /1 comment\b/);

    await vote.click();
    await page.locator('.post-detail .points', { hasText: '1 point' }).waitFor();
    assert.equal(await vote.getAttribute('aria-pressed'), 'true');
    await shot(page, 'story-post-upvoted-1280');

    await page.reload();
    await page.locator('.comment', { hasText: 'First!' }).waitFor();
    assert.equal(await page.locator('.post-detail .points').innerText(), '1 point');
    assert.equal(await page.getByRole('button', { name: /upvote/i }).getAttribute('aria-pressed'), 'true');

    await page.getByRole('button', { name: /upvote/i }).click();
    await page.locator('.post-detail .points', { hasText: '0 points' }).waitFor();
    assert.equal(await page.getByRole('button', { name: /upvote/i }).getAttribute('aria-pressed'), 'false');
    assert.deepEqual(errors, []);
  });

  test('can be upvoted from the front page, its points changing without a reload', async () => {
    const author = await openPage(browser, server.url);
    await signUp(author.page);
    const title = `Upvote me from the list ${uniqueName('t')}`;
    await createPost(author.page, title);
    const { page, errors } = await openPage(browser, server.url);
    await signUp(page);
    await page.goto('/new');
    const item = page.locator('.post', { hasText: title });
    const vote = item.getByRole('button', { name: 'Upvote' });
    assert.equal(await vote.getAttribute('aria-pressed'), 'false');
    let loads = 0;
    page.on('load', () => { loads += 1; });
    await vote.click();
    await item.locator('.points', { hasText: '1 point' }).waitFor();
    assert.equal(await vote.getAttribute('aria-pressed'), 'true');
    await shot(page, 'story-list-upvoted-1280');
    await vote.click();
    await item.locator('.points', { hasText: '0 points' }).waitFor();
    assert.equal(await vote.getAttribute('aria-pressed'), 'false');
    assert.equal(loads, 0, 'the page was not reloaded');
    await vote.click();
    await item.locator('.points', { hasText: '1 point' }).waitFor();
    await page.reload();
    const again = page.locator('.post', { hasText: title });
    assert.equal(await again.locator('.points').innerText(), '1 point');
    assert.equal(await again.getByRole('button', { name: 'Upvote' }).getAttribute('aria-pressed'), 'true');
    assert.deepEqual(errors, []);
  });

  test('whose title is HTML shows it as literal text', async () => {
    const { page, errors } = await openPage(browser, server.url);
    await signUp(page);
    const title = '<img src=x onerror=alert(1)>';
    const id = await createPost(page, title);
    let dialogs = 0;
    page.on('dialog', (dialog) => { dialogs += 1; dialog.dismiss(); });
    for (const url of ['/', `/post/${id}`, '/dashboard', `/dashboard/edit/${id}`]) {
      await page.goto(url);
      await page.locator('#main:not([aria-busy])').waitFor();
      await page.getByText(title).first().waitFor();
      assert.equal(await page.locator('#main img').count(), 0, url);
    }
    assert.equal(dialogs, 0);
    await page.goto(`/post/${id}`);
    await page.getByLabel('Add a comment').fill('<script>alert(2)</script> <b>bold?</b>');
    await page.getByRole('button', { name: 'Post comment' }).click();
    await page.getByText('<script>alert(2)</script> <b>bold?</b>').waitFor();
    assert.equal(await page.locator('.comment b').count(), 0);
    assert.equal(await page.locator('.comment script').count(), 0);
    assert.equal(dialogs, 0);
    assert.deepEqual(errors, []);
  });
});

describe('the dashboard', () => {
  test('creates, edits and deletes a post', async () => {
    const { page, errors } = await openPage(browser, server.url, PHONE);
    await signUp(page);
    const id = await createPost(page, 'Original title', 'https://example.org/a');
    await shot(page, 'story-dashboard-logged-in-375');
    await page.getByRole('link', { name: 'Edit post' }).first().click();
    await page.waitForURL(`**/dashboard/edit/${id}`);
    const title = page.getByLabel('Title', { exact: true });
    await title.waitFor();
    assert.equal(await title.inputValue(), 'Original title');
    await shot(page, 'story-edit-375');
    await title.fill('Better title');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await page.goto('/dashboard');
    await page.locator('#post-list .post', { hasText: 'Better title' }).waitFor();

    await page.goto(`/dashboard/edit/${id}`);
    await page.getByRole('button', { name: 'Delete post' }).click();
    await page.getByText('Are you sure?').waitFor();
    await shot(page, 'story-edit-confirm-delete-375');
    await page.getByRole('button', { name: 'No, keep it' }).click();
    await page.getByRole('button', { name: 'Delete post' }).click();
    await page.getByRole('button', { name: 'Yes, delete it' }).click();
    await page.waitForURL('**/dashboard');
    await page.locator('#dashboard:not([hidden])').waitFor();
    assert.equal(await page.locator('#post-list .post').count(), 0);
    assert.equal(await page.locator('#empty').isVisible(), true);
    assert.deepEqual(errors, []);
  });

  test('shows the API\'s message when a post is refused and keeps what was typed', async () => {
    const { page, errors, allow } = await openPage(browser, server.url);
    allow('status of 422');
    await signUp(page);
    const form = page.locator('#create-form');
    await form.getByLabel('Title').fill('A link that is not one');
    await form.getByLabel('URL').fill('javascript:alert(1)');
    await form.getByRole('button', { name: 'Create' }).click();
    await form.getByRole('alert').filter({ hasText: /\S/ }).waitFor();
    assert.equal(await form.getByLabel('Title').inputValue(), 'A link that is not one');
    assert.equal(await form.getByRole('button', { name: 'Create' }).isEnabled(), true);
    assert.equal(await page.locator('#post-list .post').count(), 0);
    await shot(page, 'story-dashboard-error-1280');
    assert.deepEqual(errors, []);
  });

  test('sends a logged-out visitor to /login', async () => {
    const { page, errors } = await openPage(browser, server.url);
    await page.goto('/dashboard');
    await page.waitForURL('**/login');
    await page.goto('/account');
    await page.waitForURL('**/login');
    await page.goto('/dashboard/edit/1');
    await page.waitForURL('**/login');
    assert.deepEqual(errors, []);
  });

  test('does not let another member reach the edit page of your post', async () => {
    const owner = await openPage(browser, server.url);
    await signUp(owner.page);
    const id = await createPost(owner.page, 'Mine, not yours');
    const other = await openPage(browser, server.url);
    await signUp(other.page);
    await other.page.goto(`/dashboard/edit/${id}`);
    await other.page.waitForURL('**/dashboard');
    await other.page.locator('#dashboard:not([hidden])').waitFor();
    assert.equal(await other.page.getByLabel('Title').inputValue(), '');
    assert.deepEqual([...owner.errors, ...other.errors], []);
  });
});

describe('logging out', () => {
  test('shows "login" again, and the post page then has no comment form or upvote button', async () => {
    const { page, errors } = await openPage(browser, server.url);
    await signUp(page);
    const id = await createPost(page, 'Logged-out readers see this');
    await page.getByRole('button', { name: 'logout' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await page.locator('#site-nav a', { hasText: 'login' }).waitFor();
    assert.deepEqual(await nav(page), ['new', 'top', 'moderation', 'login']);
    await page.goto(`/post/${id}`);
    await page.locator('.post-detail').waitFor();
    assert.equal(await page.getByLabel('Add a comment').count(), 0);
    assert.equal(await page.getByRole('button', { name: /upvote/i }).count(), 0);
    await shot(page, 'story-post-logged-out-1280');
    assert.deepEqual(errors, []);
  });
});

describe('a logged-in browser', () => {
  test('is still logged in after the server process restarts', async () => {
    const { page, errors } = await openPage(browser, server.url);
    const username = await signUp(page);
    await server.restart();
    await page.goto('/dashboard');
    await page.locator('#dashboard:not([hidden])').waitFor();
    assert.deepEqual(await nav(page), ['new', 'top', 'moderation', 'dashboard', 'inbox', 'saved', 'account', 'logout']);
    const session = await page.evaluate(() => fetch('/api/session').then((r) => r.json()));
    assert.equal(session.user.username, username);
    assert.deepEqual(errors, []);
  });
});

describe('every page', () => {
  test('looks right on a phone and a desktop, logged in and out, with no console errors', async () => {
    const author = await openPage(browser, server.url);
    const username = await signUp(author.page, uniqueName('screens'));
    const id = await createPost(author.page, 'A fairly long title about a new release of a systems programming language and what it means', 'https://www.example.com/news/1');
    await createPost(author.page, 'Short one', 'https://blog.example.net/');
    await author.page.goto(`/post/${id}`);
    for (const text of ['Great read.', 'I disagree with the second half, but the benchmarks are interesting.', 'Thanks for sharing!']) {
      await author.page.getByLabel('Add a comment').fill(text);
      await author.page.getByRole('button', { name: 'Post comment' }).click();
      await author.page.locator('.comment', { hasText: text }).waitFor();
    }
    await author.page.evaluate(async (postId) => {
      const post = await fetch(`/api/posts/${postId}`).then((r) => r.json());
      let parent = post.comments[1].id;
      for (const text of ['Which half? The **second** half is the benchmarks.', 'The part after `cargo bench`:\n\n> it is 2x faster\n\nis the one I mean.', 'Fair enough.']) {
        const response = await fetch('/api/comments', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ post_id: postId, parent_id: parent, comment_text: text }),
        });
        if (!response.ok) throw new Error(`reply: ${response.status}`);
        parent = (await response.json()).id;
      }
    }, id);
    const pages = { home: '/', new: '/new', top: '/top', post: `/post/${id}`, user: `/user/${username}`, login: '/login', dashboard: '/dashboard', edit: `/dashboard/edit/${id}`, account: '/account', saved: '/saved', hidden: '/hidden', inbox: '/inbox', moderation: '/moderation', search: '/search?q=release', notfound: '/no-such-page', 'post-missing': '/post/999999', 'user-missing': '/user/nobody-by-this-name' };
    for (const [viewportName, viewport] of [['375', PHONE], ['1280', DESKTOP]]) {
      for (const state of ['out', 'in']) {
        const { page, errors, allow } = await openPage(browser, server.url, viewport);
        allow('status of 404');
        if (state === 'in') {
          await page.goto('/login');
          await page.locator('#login-email').fill(`${username}@example.com`);
          await page.locator('#login-password').fill('correct-horse-battery-staple');
          await page.getByRole('button', { name: 'Log in' }).click();
          await page.waitForURL('**/dashboard');
        }
        for (const [name, url] of Object.entries(pages)) {
          await page.goto(url);
          await page.waitForLoadState('networkidle');
          await shot(page, `${name}-logged-${state}-${viewportName}`);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          assert.ok(overflow <= 0, `${url} at ${viewportName}px scrolls sideways by ${overflow}px`);
        }
        assert.deepEqual(errors, [], `${viewportName} logged ${state}`);
        await page.context().close();
      }
    }
  });
});

describe('an action', () => {
  test('sends the user to /login when the session has ended meanwhile', async () => {
    const { page, errors, allow } = await openPage(browser, server.url);
    allow('status of 401');
    await signUp(page);
    const id = await createPost(page, 'Session ends while reading');
    await page.goto(`/post/${id}`);
    await page.getByLabel('Add a comment').fill('Am I still here?');
    await page.evaluate(() => fetch('/api/users/logout', { method: 'POST' }));
    await page.getByRole('button', { name: 'Post comment' }).click();
    await page.waitForURL('**/login');
    await page.locator('#login-forms:not([hidden])').waitFor();
    assert.deepEqual(errors, []);
  });

  test('disables its button while the request is in flight', async () => {
    const { page, errors } = await openPage(browser, server.url);
    await signUp(page);
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    await page.route('**/api/posts', async (route) => {
      if (route.request().method() === 'POST') await held;
      await route.continue();
    });
    const form = page.locator('#create-form');
    await form.getByLabel('Title').fill('Slow network');
    await form.getByLabel('URL').fill('https://example.com/slow');
    const button = form.getByRole('button', { name: 'Create' });
    await button.click();
    assert.equal(await button.isDisabled(), true);
    release();
    await page.locator('#post-list .post', { hasText: 'Slow network' }).waitFor();
    assert.equal(await button.isEnabled(), true);
    assert.deepEqual(errors, []);
  });

  test('can be done with the keyboard alone', async () => {
    const { page, errors } = await openPage(browser, server.url);
    await signUp(page);
    const id = await createPost(page, 'Keyboard only');
    await page.goto(`/post/${id}`);
    await page.getByLabel('Add a comment').waitFor();
    const focused = [];
    // A new member's address is unconfirmed, so the banner's "Send the link again" comes first too.
    for (let i = 0; i < 20 && !focused.includes('comment-text'); i += 1) {
      await page.keyboard.press('Tab');
      focused.push(await page.evaluate(() => document.activeElement.id || document.activeElement.textContent.trim()));
    }
    assert.ok(focused.includes('comment-text'), `Tab order: ${focused.join(', ')}`);
    await page.keyboard.type('Typed without a mouse');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.locator('.comment', { hasText: 'Typed without a mouse' }).waitFor();
    const outline = await page.evaluate(() => {
      const button = document.querySelector('.comment-form button');
      button.focus();
      return getComputedStyle(button).outlineStyle;
    });
    assert.notEqual(outline, 'none');
    assert.deepEqual(errors, []);
  });
});

describe('the homepage', () => {
  test('shows 20 posts a page with Prev and Next', async () => {
    const { page, errors } = await openPage(browser, server.url, PHONE);
    await signUp(page);
    await page.evaluate(async () => {
      for (let i = 1; i <= 25; i += 1) {
        const response = await fetch('/api/posts', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ title: `Paging post ${i}`, post_url: `https://example.com/${i}` }),
        });
        if (!response.ok) throw new Error(`post ${i}: ${response.status}`);
      }
    });
    await page.goto('/');
    await page.locator('#main:not([aria-busy])').waitFor();
    assert.equal(await page.locator('#post-list .post').count(), 20);
    assert.equal(await page.getByRole('link', { name: 'Prev' }).isVisible(), false);
    await page.getByRole('link', { name: 'Next' }).click();
    await page.waitForURL('**/?page=2');
    await page.locator('#main:not([aria-busy])').waitFor();
    const titles = await page.locator('#post-list .post-title a').allInnerTexts();
    assert.ok(titles.includes('Paging post 1'), titles.join(', '));
    assert.ok(!titles.includes('Paging post 25'));
    await shot(page, 'story-home-page-2-375');
    await page.getByRole('link', { name: 'Prev' }).click();
    await page.waitForURL((url) => url.pathname === '/' && url.search === '');
    await page.locator('#post-list .post', { hasText: 'Paging post 25' }).waitFor();
    assert.deepEqual(errors, []);
  });
});

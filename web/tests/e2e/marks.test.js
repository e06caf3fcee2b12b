// Saved and hidden posts (DESIGN.md section 21): saved from a listing and found on /saved; hidden
// from a listing, gone from the next one, found on /hidden and brought back from there.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { accessibilityViolations, createPost, DESKTOP, launchBrowser, openPage, PHONE, shot, signUp, startServer, uniqueName } from './harness.js';

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

describe('saved and hidden posts', () => {
  test('a member saves a post from the front page, finds it on /saved, and takes it back from its page', async () => {
    const author = await openPage(browser, server.url);
    await signUp(author.page);
    const title = `Worth reading later ${uniqueName('t')}`;
    const id = await createPost(author.page, title);

    const { page, errors } = await openPage(browser, server.url);
    await signUp(page);
    await page.goto('/new');
    const item = page.locator('.post', { hasText: title });
    const save = item.getByRole('button', { name: 'save', exact: true });
    assert.equal(await save.getAttribute('aria-pressed'), 'false');
    await save.click();
    const saved = item.getByRole('button', { name: 'saved', exact: true });
    await saved.waitFor();
    assert.equal(await saved.getAttribute('aria-pressed'), 'true');
    // The listing read afresh says so too.
    await page.reload();
    await page.locator('.post', { hasText: title }).getByRole('button', { name: 'saved', exact: true }).waitFor();

    await page.getByRole('navigation', { name: 'Site' }).getByRole('link', { name: 'saved', exact: true }).click();
    await page.waitForURL('**/saved');
    await page.locator('#post-list .post', { hasText: title }).waitFor();
    assert.equal(await page.locator('#empty').isHidden(), true);
    await shot(page, 'saved-story-1280');

    await page.goto(`/post/${id}`);
    const onPage = page.getByRole('button', { name: 'saved', exact: true });
    await onPage.waitFor();
    await onPage.click();
    await page.getByRole('button', { name: 'save', exact: true }).waitFor();
    await page.goto('/saved');
    await page.locator('#empty').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#post-list .post').count(), 0);
    assert.deepEqual(errors, []);
  });

  test('a member hides a post from the front page, no longer sees it there, and unhides it from /hidden', async () => {
    const author = await openPage(browser, server.url);
    await signUp(author.page);
    const title = `Not for me ${uniqueName('t')}`;
    await createPost(author.page, title);

    const { page, errors } = await openPage(browser, server.url);
    await signUp(page);
    await page.goto('/new');
    const item = page.locator('.post', { hasText: title });
    await item.getByRole('button', { name: 'hide', exact: true }).click();
    await item.getByRole('button', { name: 'hidden', exact: true }).waitFor();
    assert.equal(await item.getByRole('status').innerText(), 'Hidden from your listings.');
    await shot(page, 'hidden-in-place-1280');
    await page.reload();
    await page.locator('#post-list').waitFor();
    await page.waitForLoadState('networkidle');
    assert.equal(await page.locator('.post', { hasText: title }).count(), 0);

    await page.goto('/saved');
    await page.getByRole('link', { name: 'Posts you hid' }).click();
    await page.waitForURL('**/hidden');
    assert.equal(await page.locator('h1').innerText(), 'Hidden posts');
    const listed = page.locator('#post-list .post', { hasText: title });
    await listed.getByRole('button', { name: 'hidden', exact: true }).click();
    await listed.getByRole('button', { name: 'hide', exact: true }).waitFor();
    await page.goto('/new');
    await page.locator('.post', { hasText: title }).waitFor();
    assert.deepEqual(errors, []);
  });

  test('/saved and /hidden pass axe-core on a phone and a desktop, and send a logged-out visitor to /login', async () => {
    const anonymous = await openPage(browser, server.url);
    for (const url of ['/saved', '/hidden']) {
      await anonymous.page.goto(url);
      await anonymous.page.waitForURL('**/login');
    }

    const owner = await openPage(browser, server.url);
    const username = await signUp(owner.page);
    const id = await createPost(owner.page, 'A post to keep');
    const hiddenId = await createPost(owner.page, 'A post to hide');
    await owner.page.evaluate(async ([postId, hide]) => {
      for (const path of [`/api/posts/${postId}/save`, `/api/posts/${hide}/hide`]) {
        const response = await fetch(path, { method: 'PUT' });
        if (response.status !== 204) throw new Error(`${path}: ${response.status}`);
      }
    }, [id, hiddenId]);
    const cookies = await owner.context.cookies();
    for (const [name, viewport] of [['375', PHONE], ['1280', DESKTOP]]) {
      for (const url of ['/saved', '/hidden', '/new', `/post/${id}`]) {
        const { page, context, errors } = await openPage(browser, server.url, viewport);
        await context.addCookies(cookies);
        await page.goto(url);
        const mark = url === '/hidden' ? 'hidden' : 'saved';
        await page.getByRole('button', { name: mark, exact: true }).first().waitFor();
        await page.waitForLoadState('networkidle');
        if (url === '/saved' || url === '/hidden') await shot(page, `${url.slice(1)}-${name}`);
        assert.deepEqual(await accessibilityViolations(page), [], `${url} at ${name}px as ${username}`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `${url} at ${name}px scrolls sideways by ${overflow}px`);
        assert.deepEqual(errors, []);
        await context.close();
      }
    }
  });
});

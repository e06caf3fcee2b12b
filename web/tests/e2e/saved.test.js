// Saved posts (DESIGN.md section 21): saved from a listing, found on /saved, taken back anywhere.

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

describe('saved posts', () => {
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

  test('/saved passes axe-core on a phone and a desktop, and sends a logged-out visitor to /login', async () => {
    const anonymous = await openPage(browser, server.url);
    await anonymous.page.goto('/saved');
    await anonymous.page.waitForURL('**/login');

    const owner = await openPage(browser, server.url);
    const username = await signUp(owner.page);
    const id = await createPost(owner.page, 'A post to keep');
    await owner.page.evaluate(async (postId) => {
      const response = await fetch(`/api/posts/${postId}/save`, { method: 'PUT' });
      if (response.status !== 204) throw new Error(`save: ${response.status}`);
    }, id);
    const cookies = await owner.context.cookies();
    for (const [name, viewport] of [['375', PHONE], ['1280', DESKTOP]]) {
      for (const url of ['/saved', '/new', `/post/${id}`]) {
        const { page, context, errors } = await openPage(browser, server.url, viewport);
        await context.addCookies(cookies);
        await page.goto(url);
        await page.getByRole('button', { name: 'saved', exact: true }).first().waitFor();
        await page.waitForLoadState('networkidle');
        if (url === '/saved') await shot(page, `saved-${name}`);
        assert.deepEqual(await accessibilityViolations(page), [], `${url} at ${name}px as ${username}`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `${url} at ${name}px scrolls sideways by ${overflow}px`);
        assert.deepEqual(errors, []);
        await context.close();
      }
    }
  });
});

// Muting people (DESIGN.md section 21): mute someone from their page, see their comment collapsed
// and their posts gone from the listings, unmute them from /account.

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

/** A post by one member with a comment by another (the noisy one), who also posts. */
async function noisyThread() {
  const author = await openPage(browser, server.url);
  await signUp(author.page);
  const id = await createPost(author.page, `A calm post ${uniqueName('t')}`);
  const noisy = await openPage(browser, server.url);
  const noisyName = await signUp(noisy.page, uniqueName('noisy'));
  const noisyTitle = `Loud post ${uniqueName('t')}`;
  await createPost(noisy.page, noisyTitle);
  await noisy.page.evaluate(async (postId) => {
    const response = await fetch('/api/comments', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ post_id: postId, comment_text: 'SHOUTING INTO THE VOID' }),
    });
    if (!response.ok) throw new Error(`comment: ${response.status}`);
  }, id);
  return { id, noisyName, noisyTitle };
}

describe('muting someone', () => {
  test('from their page collapses their comments and leaves their posts out, until unmuted on /account', async () => {
    const { id, noisyName, noisyTitle } = await noisyThread();
    const { page, errors } = await openPage(browser, server.url);
    await signUp(page);
    await page.goto('/new');
    await page.locator('.post', { hasText: noisyTitle }).waitFor();

    await page.goto(`/user/${noisyName}`);
    const mute = page.getByRole('button', { name: `Mute ${noisyName}` });
    assert.equal(await mute.getAttribute('aria-pressed'), 'false');
    await mute.click();
    await page.getByRole('button', { name: `Unmute ${noisyName}` }).waitFor();
    assert.match(await page.getByRole('status').filter({ hasText: 'muted' }).innerText(), /You muted/);

    await page.goto(`/post/${id}`);
    const comment = page.locator('.comment', { hasText: noisyName });
    const show = comment.getByRole('button', { name: 'show comment' });
    await show.waitFor();
    assert.equal(await comment.getByText('SHOUTING INTO THE VOID').isVisible(), false);
    assert.equal(await show.getAttribute('aria-expanded'), 'false');
    await shot(page, 'muted-comment-collapsed-1280');
    await show.click();
    await comment.getByText('SHOUTING INTO THE VOID').waitFor();
    assert.equal(await comment.getByRole('button', { name: 'collapse' }).getAttribute('aria-expanded'), 'true');

    await page.goto('/new');
    await page.waitForLoadState('networkidle');
    assert.equal(await page.locator('.post', { hasText: noisyTitle }).count(), 0);

    await page.goto('/account');
    const list = page.locator('#muted-list');
    await list.getByRole('link', { name: noisyName }).waitFor();
    await list.getByRole('button', { name: `Unmute ${noisyName}` }).click();
    await page.locator('#muted-empty').waitFor({ state: 'visible' });
    await page.goto('/new');
    await page.locator('.post', { hasText: noisyTitle }).waitFor();
    assert.deepEqual(errors, []);
  });

  test('its pages pass axe-core on a phone and a desktop', async () => {
    const { id, noisyName } = await noisyThread();
    const reader = await openPage(browser, server.url);
    await signUp(reader.page);
    await reader.page.evaluate(async (name) => {
      const response = await fetch(`/api/users/${name}/mute`, { method: 'PUT' });
      if (response.status !== 204) throw new Error(`mute: ${response.status}`);
    }, noisyName);
    const cookies = await reader.context.cookies();
    for (const [name, viewport] of [['375', PHONE], ['1280', DESKTOP]]) {
      for (const [url, ready] of [[`/user/${noisyName}`, `Unmute ${noisyName}`], [`/post/${id}`, 'show comment'], ['/account', `Unmute ${noisyName}`]]) {
        const { page, context, errors } = await openPage(browser, server.url, viewport);
        await context.addCookies(cookies);
        await page.goto(url);
        await page.getByRole('button', { name: ready }).first().waitFor();
        await page.waitForLoadState('networkidle');
        await shot(page, `mute-${url.split('/')[1]}-${name}`);
        assert.deepEqual(await accessibilityViolations(page), [], `${url} at ${name}px`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `${url} at ${name}px scrolls sideways by ${overflow}px`);
        assert.deepEqual(errors, []);
        await context.close();
      }
    }
  });
});

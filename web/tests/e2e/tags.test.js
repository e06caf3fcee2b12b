// Tags, text posts and tag filters (DESIGN.md section 21) as people use them in a browser: a text
// post with Markdown and a tag written on /dashboard, a tag's own pages, a member's filters on
// /account and an anonymous visitor's kept in the browser. Tags are made by an admin through the
// API (the admin made once, with the server's command line); setting the scene goes through the
// API, what the story is about is done on the page. Each story uses tags and words of its own.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { accessibilityViolations, DESKTOP, launchBrowser, openPage, PHONE, shot, signedUpMember, signUp, startServer, uniqueName } from './harness.js';

let server;
let browser;
let admin;

/** A signed-up member with a page of their own (the harness's `signedUpMember`). */
function member(viewport = DESKTOP, prefix = 'member') {
  return signedUpMember(browser, server.url, viewport, prefix);
}

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  admin = await member(DESKTOP, 'admin');
  await server.cli('admin', 'grant', admin.username, 'admin');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

let tagCount = 0;
/** A new tag, made by the admin; its name (2–25 of [a-z0-9-]) no other story uses. */
async function newTag(stem, description = `All about ${stem}`) {
  tagCount += 1;
  const name = `${stem}-${tagCount}-${process.pid % 10000}`;
  const tag = await admin.call('POST', '/api/tags', { name, description });
  assert.equal(tag.name, name);
  return name;
}

/** A word no other story's titles use, for search. */
function word(stem) {
  return `${stem}${uniqueName('w').replace(/_/g, 'x')}`;
}

async function settled(page) {
  await page.locator('#main:not([aria-busy])').waitFor();
}

/** The titles listed on the page now. */
async function titles(page) {
  await settled(page);
  return page.locator('#post-list .post-title a').allInnerTexts();
}

async function sideways(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

describe('a text post', () => {
  test('is written on /dashboard with Markdown and a tag, and its page shows the Markdown rendered and the tag linked', async () => {
    const tag = await newTag('rust');
    const others = [await newTag('go'), await newTag('web'), await newTag('ops')];
    const { page, errors } = await openPage(browser, server.url, PHONE);
    await signUp(page);
    const form = page.locator('#create-form');
    const title = `Why we rewrote it ${uniqueName('t')}`;
    await form.getByLabel('Title').fill(title);
    await form.getByLabel('Text', { exact: true }).fill('Some **bold** words.\n\n- first point\n- second point\n\nAnd `code`.');
    // At most three tags: the fourth box is disabled once three are ticked, and free again after.
    for (const name of [tag, ...others.slice(0, 2)]) await form.getByLabel(name, { exact: true }).check();
    assert.equal(await form.getByLabel(others[2], { exact: true }).isDisabled(), true);
    await shot(page, 'tags-dashboard-form-375');
    for (const name of others.slice(0, 2)) await form.getByLabel(name, { exact: true }).uncheck();
    assert.equal(await form.getByLabel(others[2], { exact: true }).isDisabled(), false);
    await form.getByRole('button', { name: 'Create' }).click();

    const mine = page.locator('#post-list .post', { hasText: title });
    await mine.waitFor();
    assert.equal(await form.getByLabel('Title').inputValue(), '');
    assert.equal(await form.getByLabel(tag, { exact: true }).isChecked(), false);
    const link = mine.getByRole('link', { name: title });
    const href = await link.getAttribute('href');
    assert.match(href, /^\/post\/\d+$/);
    assert.equal(await link.getAttribute('target'), null);
    assert.equal(await mine.locator('.domain').count(), 0);
    assert.equal(await mine.getByRole('link', { name: tag, exact: true }).getAttribute('href'), `/t/${tag}`);

    await link.click();
    await page.waitForURL(`**${href}`);
    await settled(page);
    const detail = page.locator('.post-detail');
    assert.equal(await detail.getByRole('heading', { level: 1 }).innerText(), title);
    assert.equal(await detail.locator('h1 a').count(), 0);
    assert.equal(await detail.locator('.post-text strong').innerText(), 'bold');
    assert.deepEqual(await detail.locator('.post-text li').allInnerTexts(), ['first point', 'second point']);
    assert.equal(await detail.locator('.post-text code').innerText(), 'code');
    assert.equal(await detail.locator('.post-text').innerText().then((text) => text.includes('**')), false);
    const tagLink = detail.getByRole('link', { name: tag, exact: true });
    assert.equal(await tagLink.getAttribute('href'), `/t/${tag}`);
    await shot(page, 'tags-text-post-375');
    assert.ok(await sideways(page) <= 0);

    await tagLink.click();
    await page.waitForURL(`**/t/${tag}`);
    await settled(page);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), `Posts tagged ${tag}`);
    assert.deepEqual(await titles(page), [title]);
    assert.deepEqual(errors, []);
  });

  test('has its text and tags changed by its author on the edit page', async () => {
    const [oldTag, newTagName] = [await newTag('before'), await newTag('after')];
    const author = await member(DESKTOP, 'author');
    const title = `A note to edit ${uniqueName('t')}`;
    const post = await author.call('POST', '/api/posts', { title, text: 'The *first* draft.', tags: [oldTag] });
    assert.equal(post.post_url, null);
    assert.deepEqual(post.tags, [oldTag]);

    const { page, errors } = author;
    await page.goto(`/dashboard/edit/${post.id}`);
    await settled(page);
    const text = page.getByLabel('Text', { exact: true });
    assert.equal(await text.inputValue(), 'The *first* draft.');
    assert.equal(await page.getByLabel(oldTag, { exact: true }).isChecked(), true);
    await text.fill('The **second** draft.');
    await page.getByLabel(oldTag, { exact: true }).uncheck();
    await page.getByLabel(newTagName, { exact: true }).check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    assert.equal(await page.locator('.post-detail').getByRole('link', { name: newTagName, exact: true }).getAttribute('href'), `/t/${newTagName}`);
    await shot(page, 'tags-edit-1280');

    await page.goto(`/post/${post.id}`);
    await settled(page);
    assert.equal(await page.locator('.post-text strong').innerText(), 'second');
    const detail = page.locator('.post-detail');
    assert.equal(await detail.getByRole('link', { name: newTagName, exact: true }).count(), 1);
    assert.equal(await detail.getByRole('link', { name: oldTag, exact: true }).count(), 0);
    assert.deepEqual(errors, []);
  });
});

describe('a member\'s tag filter', () => {
  test('set on /account leaves the tag\'s posts out of /, /new, /top and search, but not out of the tag\'s page', async () => {
    const tag = await newTag('crypto');
    const kept = await newTag('science');
    const author = await member(DESKTOP, 'author');
    const shared = word('filterme');
    const filteredTitle = `${shared} coins to the moon`;
    const keptTitle = `${shared} a paper on fusion`;
    await author.call('POST', '/api/posts', { title: filteredTitle, post_url: `https://example.com/${uniqueName('c')}`, tags: [tag] });
    await author.call('POST', '/api/posts', { title: keptTitle, post_url: `https://example.com/${uniqueName('s')}`, tags: [kept] });

    const reader = await member(PHONE, 'reader');
    const { page, errors } = reader;
    await page.goto('/new');
    assert.ok((await titles(page)).includes(filteredTitle), 'the post is listed before the filter');

    await page.goto('/account');
    const section = page.locator('#filters');
    await section.getByRole('heading', { name: 'Filtered tags' }).waitFor();
    const box = section.getByLabel(tag, { exact: true });
    await box.waitFor();
    assert.equal(await box.isChecked(), false);
    await box.check();
    await section.getByRole('button', { name: 'Save filters' }).click();
    await section.getByRole('status').filter({ hasText: `Saved: posts tagged ${tag} are left out.` }).waitFor();
    await shot(page, 'tags-account-filters-375');
    await page.reload();
    await settled(page);
    assert.equal(await page.locator('#filters').getByLabel(tag, { exact: true }).isChecked(), true);

    for (const url of ['/', '/new', '/top', `/search?q=${shared}`]) {
      await page.goto(url);
      await page.locator('#post-list .post', { hasText: keptTitle }).waitFor();
      assert.equal(await page.locator('#post-list .post', { hasText: filteredTitle }).count(), 0, `${url} still lists the filtered post`);
    }
    await page.goto(`/t/${tag}`);
    assert.deepEqual(await titles(page), [filteredTitle]);
    assert.deepEqual(errors, []);
  });
});

describe('an anonymous visitor\'s tag filter', () => {
  test('is chosen under the front page\'s listing, kept in the browser, and still applies after a reload and on search', async () => {
    const tag = await newTag('sports');
    const author = await member(DESKTOP, 'author');
    const shared = word('anonfilter');
    const filteredTitle = `${shared} the match report`;
    const keptTitle = `${shared} a compiler release`;
    await author.call('POST', '/api/posts', { title: filteredTitle, post_url: `https://example.com/${uniqueName('m')}`, tags: [tag] });
    await author.call('POST', '/api/posts', { title: keptTitle, post_url: `https://example.com/${uniqueName('k')}` });

    const { page, errors } = await openPage(browser, server.url, PHONE);
    await page.goto('/new');
    await page.locator('#post-list .post', { hasText: filteredTitle }).waitFor();
    const filters = page.locator('#tag-filters');
    await filters.getByText('Filter tags', { exact: true }).click();
    await filters.getByLabel(tag, { exact: true }).check();
    await shot(page, 'tags-anonymous-filters-375');
    await filters.getByRole('button', { name: 'Save filters' }).click();
    await filters.getByRole('status').filter({ hasText: `Saved: posts tagged ${tag} are left out.` }).waitFor();
    // The listing is drawn again at once, without the tag's posts.
    await page.locator('#post-list .post', { hasText: filteredTitle }).waitFor({ state: 'detached' });
    assert.equal(await page.locator('#post-list .post', { hasText: keptTitle }).count(), 1);
    assert.deepEqual(JSON.parse(await page.evaluate(() => localStorage.getItem('jtn.excludeTags'))), [tag]);

    const asked = page.waitForRequest((request) => request.url().includes('/api/posts?'));
    await page.reload();
    const sent = new URL((await asked).url());
    assert.equal(sent.searchParams.get('exclude_tags'), tag);
    await page.locator('#post-list .post', { hasText: keptTitle }).waitFor();
    assert.equal(await page.locator('#post-list .post', { hasText: filteredTitle }).count(), 0);
    assert.equal(await page.locator('#tag-filters summary').innerText(), 'Filter tags (1 filtered)');
    await page.locator('#tag-filters summary').click();
    assert.equal(await page.locator('#tag-filters').getByLabel(tag, { exact: true }).isChecked(), true);

    await page.goto(`/search?q=${shared}`);
    await page.locator('#post-list .post', { hasText: keptTitle }).waitFor();
    assert.equal(await page.locator('#post-list .post', { hasText: filteredTitle }).count(), 0);
    await page.goto(`/t/${tag}`);
    assert.deepEqual(await titles(page), [filteredTitle]);
    assert.deepEqual(errors, []);
  });
});

describe('a tag\'s page', () => {
  test('lists only that tag\'s posts, sorts them within the tag, links its feed, and says when there is no such tag', async () => {
    const tag = await newTag('linux', 'Kernels, distributions and the command line');
    const other = await newTag('editors');
    const author = await member(DESKTOP, 'author');
    const first = `${word('tagged')} one`;
    const second = `${word('tagged')} two`;
    const untagged = `${word('untagged')} three`;
    await author.call('POST', '/api/posts', { title: first, text: 'Only text here.', tags: [tag] });
    await author.call('POST', '/api/posts', { title: second, post_url: `https://example.com/${uniqueName('l')}`, tags: [other, tag] });
    await author.call('POST', '/api/posts', { title: untagged, post_url: `https://example.com/${uniqueName('u')}`, tags: [other] });

    const { page, errors, allow } = await openPage(browser, server.url, DESKTOP);
    await page.goto(`/t/${tag}`);
    assert.deepEqual((await titles(page)).sort(), [first, second].sort());
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), `Posts tagged ${tag}`);
    assert.equal(await page.locator('#tag-description').innerText(), 'Kernels, distributions and the command line');
    assert.equal(await page.title(), `Posts tagged ${tag} · Just Tech News`);
    const sorts = page.getByRole('navigation', { name: 'Sort' });
    assert.deepEqual(await sorts.getByRole('link').evaluateAll((links) => links.map((link) => link.getAttribute('href'))),
      [`/t/${tag}`, `/t/${tag}/new`, `/t/${tag}/top`]);
    assert.equal(await sorts.getByRole('link', { name: 'hot' }).getAttribute('aria-current'), 'page');
    const feed = page.locator('#feed-link');
    assert.equal(await feed.getAttribute('href'), `/t/${tag}/feed.atom`);
    assert.equal(await page.locator(`link[rel="alternate"][href="/t/${tag}/feed.atom"]`).count(), 1);
    await shot(page, 'tags-page-1280');

    await sorts.getByRole('link', { name: 'new' }).click();
    await page.waitForURL(`**/t/${tag}/new`);
    assert.deepEqual(await titles(page), [second, first]);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), `Newest posts tagged ${tag}`);

    await page.getByRole('navigation', { name: 'Sort' }).getByRole('link', { name: 'top' }).click();
    await page.waitForURL(`**/t/${tag}/top`);
    assert.deepEqual((await titles(page)).sort(), [first, second].sort());
    const periods = page.getByRole('navigation', { name: 'Period' });
    assert.equal(await periods.getByRole('link', { name: 'all time' }).getAttribute('href'), `/t/${tag}/top?period=all`);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), `Top posts tagged ${tag} of the last week`);

    const atom = await page.request.get(`/t/${tag}/feed.atom`);
    assert.equal(atom.status(), 200);
    assert.match(atom.headers()['content-type'], /atom/);
    const xml = await atom.text();
    assert.ok(xml.includes(first) && xml.includes(second) && !xml.includes(untagged), 'the feed has the tag\'s posts only');

    allow('status of 404');
    await page.goto('/t/no-such-tag-here');
    await page.getByRole('heading', { name: 'No such tag' }).waitFor();
    assert.equal(await page.locator('#post-list').count(), 0);
    assert.deepEqual(errors, []);
  });
});

describe('an admin', () => {
  test('makes a tag on /moderation, changes its description and deletes it, and the page passes axe-core', async () => {
    const { page, errors, allow } = admin;
    allow('status of 409');
    tagCount += 1;
    const name = `made-${tagCount}-${process.pid % 10000}`;
    await page.goto('/moderation');
    const section = page.locator('#tag-admin');
    await section.getByRole('heading', { name: 'Tags' }).waitFor();
    await section.getByLabel('Name', { exact: true }).fill(name);
    await section.getByLabel('Description', { exact: true }).fill('Made on the page');
    await section.getByRole('button', { name: 'Create tag' }).click();
    await section.getByRole('status').filter({ hasText: `Tag ${name} created.` }).waitFor();
    const row = section.locator('.tag-admin-item', { hasText: name });
    assert.equal(await row.getByRole('textbox', { name: `Description of ${name}` }).inputValue(), 'Made on the page');

    // The same name again is refused with the API's message.
    await section.getByLabel('Name', { exact: true }).fill(name);
    await section.getByRole('button', { name: 'Create tag' }).click();
    await section.locator('.tag-create').getByRole('alert').filter({ hasText: /exists/ }).waitFor();

    await row.getByRole('textbox', { name: `Description of ${name}` }).fill('Described anew');
    await row.getByRole('button', { name: `Save the description of ${name}` }).click();
    await section.getByRole('status').filter({ hasText: `The description of ${name} is saved.` }).waitFor();
    const tags = await admin.call('GET', '/api/tags');
    assert.equal(tags.tags.find((tag) => tag.name === name).description, 'Described anew');
    await shot(page, 'tags-moderation-admin-1280');
    assert.deepEqual(await accessibilityViolations(page), []);

    await section.locator('.tag-admin-item', { hasText: name }).getByRole('button', { name: `Delete ${name}` }).click();
    await section.getByRole('button', { name: 'Yes, delete it' }).click();
    await section.getByRole('status').filter({ hasText: `Tag ${name} deleted.` }).waitFor();
    assert.equal(await section.locator('.tag-admin-item', { hasText: name }).count(), 0);
    assert.deepEqual(errors, []);
  });
});

describe('the pages of tags and text posts', () => {
  test('pass axe-core on a phone and a desktop: a tag\'s page, /account with its filters, /dashboard, a text post, the front page\'s filters', async () => {
    const tag = await newTag('a11y', 'Accessibility of the web');
    const owner = await member(DESKTOP, 'owner');
    const post = await owner.call('POST', '/api/posts', {
      title: 'Notes on screen readers',
      text: 'Headings, **landmarks** and labels:\n\n1. one\n2. two\n\n> quoted\n\n```\ncode block\n```',
      tags: [tag],
    });
    await owner.call('PUT', '/api/users/me/filters', { tags: [tag] });
    const cookies = await owner.context.cookies();
    for (const [width, viewport] of [['375', PHONE], ['1280', DESKTOP]]) {
      for (const [url, name, loggedIn] of [
        [`/t/${tag}`, 'tag-page', true],
        ['/account', 'account', true],
        ['/dashboard', 'dashboard', true],
        [`/post/${post.id}`, 'text-post', true],
        ['/', 'front-filters', false],
      ]) {
        const { page, context, errors } = await openPage(browser, server.url, viewport);
        if (loggedIn) await context.addCookies(cookies);
        await page.goto(url);
        await settled(page);
        if (url === '/') {
          await page.locator('#tag-filters summary').click();
          await page.locator('#tag-filters').getByLabel(tag, { exact: true }).waitFor();
        }
        if (url === '/account') await page.locator('#filters').getByLabel(tag, { exact: true }).waitFor();
        if (url === '/dashboard') await page.locator('#create-form').getByLabel(tag, { exact: true }).waitFor();
        await page.waitForLoadState('networkidle');
        await shot(page, `tags-${name}-${width}`);
        assert.deepEqual(await accessibilityViolations(page), [], `${url} at ${width}px`);
        const overflow = await sideways(page);
        assert.ok(overflow <= 0, `${url} at ${width}px scrolls sideways by ${overflow}px`);
        assert.deepEqual(errors, []);
        await context.close();
      }
    }
  });
});

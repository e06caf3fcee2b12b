// Search and feeds (DESIGN.md section 17) as people use them in a browser: the search box in
// every header, the /search page (its count, results, pages, empty state and the API's refusals)
// and the Atom feeds the pages link to. Setting the scene goes through the API; what the story is
// about is done on the page. Each story searches for words no other story's posts use.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { DESKTOP, launchBrowser, openPage, shot, signedUpMember, startServer } from './harness.js';

/** The phone the issue names: 390 px wide. */
const PHONE = { width: 390, height: 844 };

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

/** The header's search box. */
function headerBox(page) {
  return page.locator('.site-header').getByRole('searchbox', { name: 'Search posts' });
}

/** The /search page's own form. */
function searchForm(page) {
  return page.locator('#search-form');
}

/** The titles of the results shown, in order. */
async function titles(page) {
  return page.locator('#post-list .post-title a').allInnerTexts();
}

async function sideways(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

describe('the header search box', () => {
  test('takes words typed on the front page to /search, which shows the matching post, not the others, and how many matched', async () => {
    const author = await member();
    await author.call('POST', '/api/posts', { title: 'Async Rust in practice', post_url: 'https://www.rust-lang.org/async-in-practice' });
    await author.call('POST', '/api/posts', { title: 'Async JavaScript patterns', post_url: 'https://javascript.info/async-patterns' });
    await author.call('POST', '/api/posts', { title: 'Rust embedded on a microcontroller', post_url: 'https://docs.example.com/embedded' });
    const { page, errors } = await openPage(browser, server.url);
    await page.goto('/');
    await settled(page);
    await headerBox(page).fill('rust async');
    await headerBox(page).press('Enter');
    await page.waitForURL((url) => url.pathname === '/search' && url.searchParams.get('q') === 'rust async');
    await settled(page);
    assert.deepEqual(await titles(page), ['Async Rust in practice']);
    assert.equal(await page.locator('#search-summary').innerText(), '1 post for “rust async”');
    const item = page.locator('.post', { hasText: 'Async Rust in practice' });
    assert.match(await item.innerText(), /\(rust-lang\.org\)/);
    assert.match(await item.innerText(), /0 points by \S+ just now \| 0 comments/);
    assert.equal(await searchForm(page).getByRole('searchbox').inputValue(), 'rust async');
    assert.equal(await headerBox(page).inputValue(), 'rust async');
    assert.equal(await page.title(), 'rust async · Search · Just Tech News');
    assert.equal(await page.locator('#empty').isVisible(), false);
    assert.equal(await searchForm(page).locator('.form-error').textContent(), '');
    assert.equal(await page.locator('.site-search').getAttribute('role'), 'search');
    await shot(page, 'search-results-1280');
    assert.deepEqual(errors, []);
  });

  test('is in the header of every page, and every page links the hot posts\' Atom feed', async () => {
    const author = await member();
    const post = await author.call('POST', '/api/posts', { title: 'A page to visit', post_url: 'https://example.com/visit' });
    const reader = await openPage(browser, server.url);
    const visits = [
      ...['/', '/new', '/top', `/post/${post.id}`, `/user/${author.username}`, '/login', '/forgot', '/reset', '/moderation', '/search',
        '/no-such-page', '/post/999999', '/user/nobody-by-this-name'].map((url) => [reader.page, url]),
      ...['/dashboard', `/dashboard/edit/${post.id}`, '/account'].map((url) => [author.page, url]),
    ];
    reader.allow('status of 404');
    for (const [page, url] of visits) {
      await page.goto(url);
      await page.waitForLoadState('networkidle');
      assert.equal(new URL(page.url()).pathname, url);
      const form = page.locator('.site-header form[role="search"]');
      assert.equal(await form.getAttribute('action'), '/search', url);
      assert.equal(await form.getAttribute('method'), 'get', url);
      assert.equal(await headerBox(page).getAttribute('name'), 'q', url);
      assert.equal(await headerBox(page).isVisible(), true, url);
      const feed = page.locator('head link[rel="alternate"][type="application/atom+xml"][href="/feeds/hot.atom"]');
      assert.equal(await feed.count(), 1, url);
    }
    assert.deepEqual([...reader.errors, ...author.errors], []);
  });

  test('works without JavaScript: it is a plain GET form', async () => {
    const context = await browser.newContext({ baseURL: server.url, viewport: DESKTOP, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto('/moderation');
    await headerBox(page).fill('plain form');
    await headerBox(page).press('Enter');
    await page.waitForURL((url) => url.pathname === '/search' && url.searchParams.get('q') === 'plain form');
    await context.close();
  });

  test('fits beside the brand on a 390 px phone, and the results page does not scroll sideways', async () => {
    const author = await member(PHONE);
    for (const [title, url] of [
      ['Quokka tracking with cheap sensors', 'https://www.quokka.example.org/sensors'],
      ['A fairly long title about how quokka researchers in Western Australia count animals from the air', 'https://research.example.net/quokka-count'],
      ['Quokka photos explained', 'https://photos.example.com/quokka'],
    ]) {
      await author.call('POST', '/api/posts', { title, post_url: url });
    }
    const { page, errors } = author;
    await page.goto('/');
    await settled(page);
    const brand = await page.locator('.brand').boundingBox();
    const box = await headerBox(page).boundingBox();
    assert.ok(box.x + box.width <= PHONE.width, `the box ends at ${box.x + box.width}px`);
    assert.ok(box.width >= 120, `the box is ${box.width}px wide`);
    assert.ok(Math.abs((box.y + box.height / 2) - (brand.y + brand.height / 2)) < 8, 'the box is on the brand\'s line');
    await shot(page, 'search-header-390', { x: 0, y: 0, width: PHONE.width, height: 160 });
    await shot(page, 'search-home-390');
    await headerBox(page).fill('quokka');
    await headerBox(page).press('Enter');
    await page.waitForURL((url) => url.pathname === '/search' && url.searchParams.get('q') === 'quokka');
    await settled(page);
    assert.equal(await page.locator('#search-summary').innerText(), '3 posts for “quokka”');
    assert.equal((await titles(page)).length, 3);
    assert.ok(await sideways(page) <= 0, `/search scrolls sideways by ${await sideways(page)}px`);
    await shot(page, 'search-results-390');
    assert.deepEqual(errors, []);
  });
});

describe('the search page', () => {
  test('without words shows just the box and asks the API nothing', async () => {
    const { page, errors } = await openPage(browser, server.url, PHONE);
    const searched = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/search') searched.push(request.url());
    });
    await page.goto('/search');
    await settled(page);
    assert.equal(await searchForm(page).getByRole('searchbox').isVisible(), true);
    assert.equal(await page.locator('#search-summary').isVisible(), false);
    assert.equal(await page.locator('#empty').isVisible(), false);
    assert.equal(await page.locator('#post-list .post').count(), 0);
    assert.equal(await page.title(), 'Search · Just Tech News');
    assert.deepEqual(searched, []);
    await shot(page, 'search-blank-390');
    assert.deepEqual(errors, []);
  });

  test('answers a query of only quotes, operators or markup with "No posts match", not an error', async () => {
    const author = await member();
    await author.call('POST', '/api/posts', { title: 'Gnu tools in depth', post_url: 'https://example.com/gnu-tools' });
    const { page, errors } = await openPage(browser, server.url);
    let dialogs = 0;
    page.on('dialog', (dialog) => { dialogs += 1; dialog.dismiss(); });
    await page.goto('/search');
    await settled(page);
    for (const q of ['"', '""', '" * - + ( ) ^ : ~', '**', 'AND OR NOT', 'NEAR(', "'; --", '{ } [ ] \\ %', '<img src=x onerror=alert(1)>']) {
      const form = searchForm(page);
      await form.getByRole('searchbox').fill(q);
      await form.getByRole('button', { name: 'Search' }).click();
      await page.waitForURL((url) => url.pathname === '/search' && url.searchParams.get('q') === q);
      await settled(page);
      const empty = page.locator('#empty');
      assert.equal(await empty.isVisible(), true, q);
      assert.equal(await empty.innerText(), `No posts match “${q}”. Fewer or shorter words find more.`);
      assert.equal(await page.locator('#post-list .post').count(), 0, q);
      assert.equal(await page.locator('#search-summary').isVisible(), false, q);
      assert.equal(await searchForm(page).locator('.form-error').textContent(), '', q);
      assert.equal(await searchForm(page).getByRole('searchbox').inputValue(), q);
    }
    assert.equal(await page.locator('#main img').count(), 0);
    assert.equal(dialogs, 0);
    await shot(page, 'search-nothing-1280');
    assert.deepEqual(errors, []);
  });

  test('shows the API\'s message beside the box for an empty query, one over 200 characters, and domain: alone', async () => {
    const { page, errors, allow } = await openPage(browser, server.url, PHONE);
    allow('status of 422');
    await page.goto('/');
    await settled(page);
    await headerBox(page).press('Enter');
    await page.waitForURL((url) => url.pathname === '/search' && url.searchParams.get('q') === '');
    for (const q of ['', 'x'.repeat(201), 'domain:']) {
      if (q) await page.goto(`/search?q=${encodeURIComponent(q)}`);
      await settled(page);
      const answer = await page.context().request.get(`/api/search?q=${encodeURIComponent(q)}`);
      assert.equal(answer.status(), 422, q);
      const { code, field, message } = await answer.json();
      assert.equal(code, 'validation_failed');
      assert.equal(field, 'q');
      const alert = searchForm(page).getByRole('alert');
      await alert.filter({ hasText: /\S/ }).waitFor();
      assert.match(message, /^q /);
      assert.equal(await alert.innerText(), `Your search ${message.slice(2)}`, q);
      const box = searchForm(page).getByRole('searchbox');
      assert.equal(await box.getAttribute('aria-invalid'), 'true', q);
      assert.equal(await box.inputValue(), q);
      assert.equal(await page.locator('#empty').isVisible(), false, q);
      assert.equal(await page.locator('#search-summary').isVisible(), false, q);
      if (q === 'domain:') await shot(page, 'search-refused-390');
    }
    assert.deepEqual(errors, []);
  });

  test('finds a post by its site with domain:, alone or with words', async () => {
    const author = await member();
    await author.call('POST', '/api/posts', { title: 'Kernel scheduler rework lands', post_url: 'https://www.lwn.net/Articles/900001/' });
    await author.call('POST', '/api/posts', { title: 'Reading lwn.net every week', post_url: 'https://example.org/reading-lwn' });
    const { page, errors } = await openPage(browser, server.url);
    await page.goto('/');
    await settled(page);
    await headerBox(page).fill('domain:lwn.net');
    await headerBox(page).press('Enter');
    await page.waitForURL((url) => url.pathname === '/search' && url.searchParams.get('q') === 'domain:lwn.net');
    await settled(page);
    assert.deepEqual(await titles(page), ['Kernel scheduler rework lands']);
    assert.equal(await page.locator('#search-summary').innerText(), '1 post for “domain:lwn.net”');
    assert.match(await page.locator('.post').innerText(), /\(lwn\.net\)/);

    const form = searchForm(page);
    await form.getByRole('searchbox').fill('scheduler domain:LWN.net');
    await form.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL((url) => url.searchParams.get('q') === 'scheduler domain:LWN.net');
    await settled(page);
    assert.deepEqual(await titles(page), ['Kernel scheduler rework lands']);

    await searchForm(page).getByRole('searchbox').fill('domain:lwn.net weekly');
    await searchForm(page).getByRole('button', { name: 'Search' }).click();
    await page.waitForURL((url) => url.searchParams.get('q') === 'domain:lwn.net weekly');
    await settled(page);
    assert.deepEqual(await titles(page), []);
    assert.equal(await page.locator('#empty').isVisible(), true);
    assert.deepEqual(errors, []);
  });

  test('shows 20 results a page with Prev and Next, keeping the words', async () => {
    const author = await member();
    for (let i = 1; i <= 23; i += 1) {
      await author.call('POST', '/api/posts', { title: `Zebrafish study ${i}`, post_url: `https://zebrafish.example.com/${i}` });
    }
    const { page, errors } = await openPage(browser, server.url);
    await page.goto('/search?q=zebrafish');
    await settled(page);
    assert.equal(await page.locator('#search-summary').innerText(), '23 posts for “zebrafish”');
    assert.equal((await titles(page)).length, 20);
    assert.equal(await page.getByRole('link', { name: 'Prev' }).count(), 0);
    await page.getByRole('navigation', { name: 'Pages of results' }).getByRole('link', { name: 'Next' }).click();
    await page.waitForURL((url) => url.searchParams.get('q') === 'zebrafish' && url.searchParams.get('page') === '2');
    await settled(page);
    assert.equal((await titles(page)).length, 3);
    assert.equal(await page.locator('#post-list').getAttribute('start'), '21');
    assert.equal(await page.locator('#search-summary').innerText(), '23 posts for “zebrafish”');
    await page.getByRole('link', { name: 'Prev' }).click();
    await page.waitForURL((url) => url.search === '?q=zebrafish');
    await settled(page);
    assert.equal((await titles(page)).length, 20);

    await page.goto('/search?q=zebrafish&page=9');
    await settled(page);
    assert.equal(await page.locator('#empty').innerText(), 'There are no results on this page. Back to the first page');
    await page.getByRole('link', { name: 'Back to the first page' }).click();
    await page.waitForURL((url) => url.search === '?q=zebrafish');
    assert.deepEqual(errors, []);
  });
});

describe('the feeds', () => {
  test('are linked from someone\'s page, in its head and on it, and the feed is Atom with their posts', async () => {
    const author = await member();
    await author.call('POST', '/api/posts', { title: 'Written for the author feed', post_url: 'https://example.com/feed-author' });
    const { page, errors } = await openPage(browser, server.url);
    await page.goto(`/user/${author.username}`);
    await settled(page);
    const href = `/user/${author.username}/feed.atom`;
    const visible = page.locator('.profile-top').getByRole('link', { name: `Atom feed of ${author.username}'s posts` });
    assert.equal(await visible.getAttribute('href'), href);
    assert.equal(await visible.getAttribute('type'), 'application/atom+xml');
    const alternate = page.locator(`head link[rel="alternate"][type="application/atom+xml"][href="${href}"]`);
    assert.equal(await alternate.count(), 1);
    assert.match(await alternate.getAttribute('title'), new RegExp(author.username));
    await shot(page, 'search-profile-feed-1280');

    const feed = await page.context().request.get(href);
    assert.equal(feed.status(), 200);
    assert.match(feed.headers()['content-type'], /^application\/atom\+xml/);
    const xml = await feed.text();
    assert.match(xml, /<feed[\s>]/);
    assert.match(xml, /Written for the author feed/);
    assert.deepEqual(errors, []);
  });

  test('are linked from the front page, the newest posts\' from /new, and both answer Atom', async () => {
    const author = await member();
    await author.call('POST', '/api/posts', { title: 'Fresh on the front page', post_url: 'https://example.com/fresh' });
    const { page, errors } = await openPage(browser, server.url, PHONE);
    await page.goto('/');
    await settled(page);
    const visible = page.getByRole('link', { name: 'Atom feed of hot posts' });
    assert.equal(await visible.getAttribute('href'), '/feeds/hot.atom');
    await shot(page, 'search-home-feed-390');
    await page.goto('/new');
    await settled(page);
    assert.equal(await page.getByRole('link', { name: 'Atom feed of the newest posts' }).getAttribute('href'), '/feeds/new.atom');
    assert.equal(await page.locator('head link[rel="alternate"][href="/feeds/new.atom"]').count(), 1);
    for (const href of ['/feeds/hot.atom', '/feeds/new.atom']) {
      const feed = await page.context().request.get(href);
      assert.equal(feed.status(), 200, href);
      assert.match(feed.headers()['content-type'], /^application\/atom\+xml/, href);
      assert.match(await feed.text(), /Fresh on the front page/, href);
    }
    assert.deepEqual(errors, []);
  });
});

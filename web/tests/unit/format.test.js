import assert from 'node:assert/strict';
import { test } from 'node:test';

import { domainOf, formatDate, idFromPath, pageFromSearch, plural, relativeTime, searchRefusal } from '../../js/format.js';

// Dates are shown in the reader's time zone; pin one so the test means the same everywhere.
process.env.TZ = 'America/New_York';

test('a date is shown as MM/DD/YY', () => {
  assert.equal(formatDate('2024-03-05T15:00:00Z'), '03/05/24');
});

test('a date is shown in the reader\'s time zone, not UTC', () => {
  assert.equal(formatDate('2024-01-01T02:00:00Z'), '12/31/23');
});

test('an unreadable date is shown as nothing', () => {
  assert.equal(formatDate('not a date'), '');
});

test('a time is shown relative to now up to a week, then as its date', () => {
  const now = Date.parse('2024-03-12T12:00:00Z');
  const ago = (ms) => new Date(now - ms).toISOString();
  assert.equal(relativeTime(ago(0), now), 'just now');
  assert.equal(relativeTime(ago(59_000), now), 'just now');
  assert.equal(relativeTime(ago(-30_000), now), 'just now');
  assert.equal(relativeTime(ago(60_000), now), '1 minute ago');
  assert.equal(relativeTime(ago(59 * 60_000), now), '59 minutes ago');
  assert.equal(relativeTime(ago(3 * 3_600_000), now), '3 hours ago');
  assert.equal(relativeTime(ago(24 * 3_600_000), now), '1 day ago');
  assert.equal(relativeTime(ago(2 * 86_400_000 + 5_000), now), '2 days ago');
  assert.equal(relativeTime(ago(7 * 86_400_000), now), '03/05/24');
  assert.equal(relativeTime('not a date', now), '');
});

test('one of something is singular, any other count plural', () => {
  assert.equal(plural(1, 'point'), '1 point');
  assert.equal(plural(2, 'point'), '2 points');
  assert.equal(plural(0, 'comment'), '0 comments');
  assert.equal(plural(1, 'comment'), '1 comment');
});

test('the domain is the host without a leading www.', () => {
  assert.equal(domainOf('https://www.example.com/a/b?c=d'), 'example.com');
  assert.equal(domainOf('http://news.ycombinator.com/item?id=1'), 'news.ycombinator.com');
  assert.equal(domainOf('https://WWW.Example.COM'), 'example.com');
  assert.equal(domainOf('https://wwwexample.com/'), 'wwwexample.com');
});

test('a string that is not a URL has no domain', () => {
  assert.equal(domainOf('not a url'), '');
});

test('the id is read from the end of a page path', () => {
  assert.equal(idFromPath('/post/12', '/post/'), 12);
  assert.equal(idFromPath('/post/12/', '/post/'), 12);
  assert.equal(idFromPath('/dashboard/edit/7', '/dashboard/edit/'), 7);
  assert.equal(idFromPath('/post/abc', '/post/'), null);
  assert.equal(idFromPath('/post/', '/post/'), null);
  assert.equal(idFromPath('/other/12', '/post/'), null);
});

test('the page number is a positive integer from ?page=, 1 otherwise', () => {
  assert.equal(pageFromSearch('?page=3'), 3);
  assert.equal(pageFromSearch(''), 1);
  assert.equal(pageFromSearch('?page=0'), 1);
  assert.equal(pageFromSearch('?page=-2'), 1);
  assert.equal(pageFromSearch('?page=2x'), 1);
});

test('a page number can be read from a parameter of another name', () => {
  assert.equal(pageFromSearch('?posts_page=2&comments_page=5', 'comments_page'), 5);
  assert.equal(pageFromSearch('?page=3', 'posts_page'), 1);
});

test('a refused search is "your search", not the parameter q', () => {
  assert.equal(searchRefusal('q must not be empty'), 'Your search must not be empty');
  assert.equal(searchRefusal('q has domain: without a site after it'), 'Your search has domain: without a site after it');
  assert.equal(searchRefusal('query too long'), 'query too long');
  assert.equal(searchRefusal('Something went wrong'), 'Something went wrong');
});

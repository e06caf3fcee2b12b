import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  commentHref, hashParam, listingApiPath, listingFeedHref, listingFor, pageHref, periodHref, searchApiPath, searchFor,
  userFeedHref, userHref, usernameFromPath,
} from '../../js/urls.js';

test('the front page is hot, /new is newest and /top is most voted of the week', () => {
  assert.deepEqual(listingFor('/', ''), { sort: 'hot', period: null, page: 1 });
  assert.deepEqual(listingFor('/new', '?page=3'), { sort: 'new', period: null, page: 3 });
  assert.deepEqual(listingFor('/top', ''), { sort: 'top', period: 'week', page: 1 });
  assert.deepEqual(listingFor('/top', '?period=day&page=2'), { sort: 'top', period: 'day', page: 2 });
});

test('an unknown period means the week, and a period off /top means nothing', () => {
  assert.equal(listingFor('/top', '?period=decade').period, 'week');
  assert.equal(listingFor('/top', '?period=').period, 'week');
  assert.equal(listingFor('/new', '?period=day').period, null);
});

test('a listing asks the API for its sort, its period and one page', () => {
  assert.equal(listingApiPath({ sort: 'hot', period: null, page: 1 }, 20), '/api/posts?sort=hot&page=1&per_page=20');
  assert.equal(listingApiPath({ sort: 'top', period: 'all', page: 4 }, 20), '/api/posts?sort=top&period=all&page=4&per_page=20');
});

test('the week is plain /top, every other period is named', () => {
  assert.equal(periodHref('week'), '/top');
  assert.equal(periodHref('day'), '/top?period=day');
  assert.equal(periodHref('all'), '/top?period=all');
});

test('a pager link changes its own page and keeps everything else', () => {
  assert.equal(pageHref('/', '', 'page', 2), '/?page=2');
  assert.equal(pageHref('/', '?page=2', 'page', 1), '/');
  assert.equal(pageHref('/top', '?period=day', 'page', 3), '/top?period=day&page=3');
  assert.equal(pageHref('/top', '?period=day&page=3', 'page', 1), '/top?period=day');
  assert.equal(pageHref('/user/ada', '?comments_page=2', 'posts_page', 2), '/user/ada?comments_page=2&posts_page=2');
});

test('a user\'s page is /user/ and their name, encoded', () => {
  assert.equal(userHref('ada_l-1'), '/user/ada_l-1');
  assert.equal(userHref('a/b?c'), '/user/a%2Fb%3Fc');
});

test('the username is read back from a user page path, decoded', () => {
  assert.equal(usernameFromPath('/user/ada'), 'ada');
  assert.equal(usernameFromPath('/user/ada/'), 'ada');
  assert.equal(usernameFromPath('/user/a%2Fb'), 'a/b');
  assert.equal(usernameFromPath('/user/'), null);
  assert.equal(usernameFromPath('/user/a/b'), null);
  assert.equal(usernameFromPath('/user/%E0%A4%A'), null);
  assert.equal(usernameFromPath('/post/1'), null);
});

test('a comment is linked at its place on its post\'s page', () => {
  assert.equal(commentHref(3, 17), '/post/3#comment-17');
});

test('a fragment parameter is read by name, decoded, and missing when empty', () => {
  assert.equal(hashParam('#token=abc', 'token'), 'abc');
  assert.equal(hashParam('#a=1&invite=x%20y', 'invite'), 'x y');
  assert.equal(hashParam('#invite=', 'invite'), null);
  assert.equal(hashParam('#invite=%E0%A4%A', 'invite'), '%E0%A4%A');
  assert.equal(hashParam('', 'token'), null);
});

test('a search URL gives its words exactly as typed and its page', () => {
  assert.deepEqual(searchFor('?q=rust+async'), { q: 'rust async', page: 1 });
  assert.deepEqual(searchFor('?q=%22C%2B%2B%22%20-java&page=3'), { q: '"C++" -java', page: 3 });
  assert.deepEqual(searchFor('?q=domain%3Aexample.com'), { q: 'domain:example.com', page: 1 });
  assert.deepEqual(searchFor('?page=x&q=%20spaced%20'), { q: ' spaced ', page: 1 });
});

test('a search URL without q searches nothing, and an empty q is still a search', () => {
  assert.equal(searchFor('').q, null);
  assert.equal(searchFor('?page=2').q, null);
  assert.equal(searchFor('?q=').q, '');
});

test('a search asks the API for the words, encoded, and one page', () => {
  assert.equal(searchApiPath({ q: 'rust async', page: 1 }, 20), '/api/search?q=rust+async&page=1&per_page=20');
  assert.equal(searchApiPath({ q: 'a&b=c #d', page: 2 }, 20), '/api/search?q=a%26b%3Dc+%23d&page=2&per_page=20');
  assert.equal(searchApiPath({ q: '', page: 1 }, 20), '/api/search?q=&page=1&per_page=20');
  const sent = new URL(searchApiPath({ q: '"C++" domain:example.com', page: 1 }, 20), 'http://localhost');
  assert.equal(sent.searchParams.get('q'), '"C++" domain:example.com');
});

test('/new offers the feed of the newest posts, the other listings the hot one', () => {
  assert.equal(listingFeedHref('new'), '/feeds/new.atom');
  assert.equal(listingFeedHref('hot'), '/feeds/hot.atom');
  assert.equal(listingFeedHref('top'), '/feeds/hot.atom');
});

test('someone\'s feed is beside their page, their name encoded', () => {
  assert.equal(userFeedHref('ada'), '/user/ada/feed.atom');
  assert.equal(userFeedHref('a/b?c'), '/user/a%2Fb%3Fc/feed.atom');
});

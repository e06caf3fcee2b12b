import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  commentHref, hashParam, listingApiPath, listingFeedHref, listingFor, pageHref, periodHref, searchApiPath, searchFor,
  sortHref, tagHref, userFeedHref, userHref, usernameFromPath, userPostsApiPath,
} from '../../js/urls.js';

test('the front page is hot, /new is newest and /top is most voted of the week', () => {
  assert.deepEqual(listingFor('/', ''), { sort: 'hot', period: null, page: 1, tag: null });
  assert.deepEqual(listingFor('/new', '?page=3'), { sort: 'new', period: null, page: 3, tag: null });
  assert.deepEqual(listingFor('/top', ''), { sort: 'top', period: 'week', page: 1, tag: null });
  assert.deepEqual(listingFor('/top', '?period=day&page=2'), { sort: 'top', period: 'day', page: 2, tag: null });
});

test('a tag\'s page is its hot posts, and /new and /top beneath it sort them the same ways', () => {
  assert.deepEqual(listingFor('/t/rust', ''), { sort: 'hot', period: null, page: 1, tag: 'rust' });
  assert.deepEqual(listingFor('/t/rust/', '?page=2'), { sort: 'hot', period: null, page: 2, tag: 'rust' });
  assert.deepEqual(listingFor('/t/rust/new', ''), { sort: 'new', period: null, page: 1, tag: 'rust' });
  assert.deepEqual(listingFor('/t/web-dev/top', '?period=year'), { sort: 'top', period: 'year', page: 1, tag: 'web-dev' });
  assert.equal(listingFor('/t/rust/top', '?period=decade').period, 'week');
});

test('a tag\'s name is read from its path decoded, and kept as it came when it cannot be', () => {
  assert.equal(listingFor('/t/c%2B%2B', '').tag, 'c++');
  assert.equal(listingFor('/t/%E0%A4%A', '').tag, '%E0%A4%A');
  assert.equal(listingFor('/t/rust/old', '').tag, null);
  assert.equal(listingFor('/tags', '').tag, null);
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

test('a tag\'s listing asks the API for that tag', () => {
  assert.equal(listingApiPath({ sort: 'hot', period: null, page: 1, tag: 'rust' }, 20), '/api/posts?sort=hot&tag=rust&page=1&per_page=20');
  assert.equal(listingApiPath({ sort: 'top', period: 'day', page: 2, tag: 'web-dev' }, 20), '/api/posts?sort=top&tag=web-dev&period=day&page=2&per_page=20');
  const sent = new URL(listingApiPath({ sort: 'new', period: null, page: 1, tag: 'a&b' }, 20), 'http://localhost');
  assert.equal(sent.searchParams.get('tag'), 'a&b');
});

test('a listing leaves out the filtered tags, comma-separated, and says nothing of them when there are none', () => {
  const listing = { sort: 'new', period: null, page: 1, tag: null };
  assert.equal(listingApiPath(listing, 20, ['go', 'rust']), '/api/posts?sort=new&page=1&per_page=20&exclude_tags=go%2Crust');
  assert.equal(listingApiPath(listing, 20, []), '/api/posts?sort=new&page=1&per_page=20');
  const sent = new URL(listingApiPath(listing, 20, ['go', 'rust']), 'http://localhost');
  assert.equal(sent.searchParams.get('exclude_tags'), 'go,rust');
});

test('a tag\'s page shows its own posts even when that tag is filtered', () => {
  const sent = (excluded) => new URL(listingApiPath({ sort: 'hot', period: null, page: 1, tag: 'rust' }, 20, excluded), 'http://localhost');
  assert.equal(sent(['go', 'rust']).searchParams.get('exclude_tags'), 'go');
  assert.equal(sent(['rust']).searchParams.has('exclude_tags'), false);
});

test('someone\'s posts are asked for newest first, leaving out the filtered tags', () => {
  assert.equal(userPostsApiPath(7, 2, 20), '/api/posts?user_id=7&sort=new&page=2&per_page=20');
  assert.equal(userPostsApiPath(7, 1, 20, ['go']), '/api/posts?user_id=7&sort=new&page=1&per_page=20&exclude_tags=go');
});

test('the week is plain /top, every other period is named', () => {
  assert.equal(periodHref('week'), '/top');
  assert.equal(periodHref('day'), '/top?period=day');
  assert.equal(periodHref('all'), '/top?period=all');
});

test('a tag\'s page is /t/ and its name, encoded, and its sorts and periods stay beneath it', () => {
  assert.equal(tagHref('rust'), '/t/rust');
  assert.equal(tagHref('a/b?c'), '/t/a%2Fb%3Fc');
  assert.deepEqual(['hot', 'new', 'top'].map((sort) => sortHref(sort)), ['/', '/new', '/top']);
  assert.deepEqual(['hot', 'new', 'top'].map((sort) => sortHref(sort, 'rust')), ['/t/rust', '/t/rust/new', '/t/rust/top']);
  assert.equal(periodHref('week', 'rust'), '/t/rust/top');
  assert.equal(periodHref('all', 'rust'), '/t/rust/top?period=all');
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

test('a search leaves out the filtered tags', () => {
  assert.equal(searchApiPath({ q: 'rust', page: 1 }, 20, ['go', 'web-dev']), '/api/search?q=rust&page=1&per_page=20&exclude_tags=go%2Cweb-dev');
  assert.equal(searchApiPath({ q: 'rust', page: 1 }, 20, []), '/api/search?q=rust&page=1&per_page=20');
});

test('/new offers the feed of the newest posts, the other listings the hot one', () => {
  assert.equal(listingFeedHref('new'), '/feeds/new.atom');
  assert.equal(listingFeedHref('hot'), '/feeds/hot.atom');
  assert.equal(listingFeedHref('top'), '/feeds/hot.atom');
});

test('a tag\'s pages offer the tag\'s own feed, whatever the sort', () => {
  assert.equal(listingFeedHref('hot', 'rust'), '/t/rust/feed.atom');
  assert.equal(listingFeedHref('new', 'rust'), '/t/rust/feed.atom');
  assert.equal(listingFeedHref('top', 'web-dev'), '/t/web-dev/feed.atom');
});

test('someone\'s feed is beside their page, their name encoded', () => {
  assert.equal(userFeedHref('ada'), '/user/ada/feed.atom');
  assert.equal(userFeedHref('a/b?c'), '/user/a%2Fb%3Fc/feed.atom');
});

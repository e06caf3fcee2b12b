// `/saved`: the posts the reader saved, most recently saved first, 20 a page with Prev / Next,
// each shown as on the front page. "saved" under a post takes it back (it stays on the page,
// "save" again, until the next visit). A logged-out visitor is sent to /login.

import { api } from '../api.js';
import { fill, pager } from '../dom.js';
import { pageFromSearch } from '../format.js';
import { boot } from '../header.js';
import { listedPost } from '../posts.js';
import { pageHref } from '../urls.js';

const PER_PAGE = 20;

boot(async (session) => {
  if (!session.logged_in) {
    location.replace('/login');
    return;
  }
  const page = pageFromSearch(location.search);
  const { posts, total } = await api('GET', `/api/users/me/saved?page=${page}&per_page=${PER_PAGE}`);
  const list = document.getElementById('post-list');
  list.start = (page - 1) * PER_PAGE + 1;
  list.replaceChildren(...posts.map((post) => listedPost(post, session)));
  document.getElementById('empty').hidden = posts.length > 0;
  const hrefFor = (n) => pageHref(location.pathname, location.search, 'page', n);
  fill(document.getElementById('pager'), pager({ page, total, perPage: PER_PAGE, hrefFor }));
});

// `/saved` and `/hidden`: the posts the reader saved, or hid from their listings, most recently
// first, 20 a page with Prev / Next, each shown as on the front page. "saved" or "hidden" under a
// post takes the mark back (the post stays on the page until the next visit), and each page
// links to the other. A logged-out visitor is sent to /login.

import { api } from '../api.js';
import { fill, pager } from '../dom.js';
import { pageFromSearch } from '../format.js';
import { boot } from '../header.js';
import { listedPost } from '../posts.js';
import { pageHref } from '../urls.js';

const PER_PAGE = 20;

const LISTS = {
  '/saved': { api: 'saved', title: 'Saved posts', empty: 'Nothing saved yet: “save” under a post keeps it here.', other: ['/hidden', 'Posts you hid'] },
  '/hidden': { api: 'hidden', title: 'Hidden posts', empty: 'Nothing hidden: “hide” under a post leaves it out of your listings.', other: ['/saved', 'Your saved posts'] },
};

boot(async (session) => {
  if (!session.logged_in) {
    location.replace('/login');
    return;
  }
  const shown = LISTS[location.pathname] || LISTS['/saved'];
  document.title = `${shown.title} · Just Tech News`;
  document.getElementById('list-title').textContent = shown.title;
  const other = document.querySelector('#other-list a');
  [other.href, other.textContent] = shown.other;
  const page = pageFromSearch(location.search);
  const { posts, total } = await api('GET', `/api/users/me/${shown.api}?page=${page}&per_page=${PER_PAGE}`);
  const list = document.getElementById('post-list');
  list.start = (page - 1) * PER_PAGE + 1;
  const hidden = shown.api === 'hidden';
  list.replaceChildren(...posts.map((post) => listedPost(post, session, { hidden })));
  const empty = document.getElementById('empty');
  empty.textContent = shown.empty;
  empty.hidden = posts.length > 0;
  const hrefFor = (n) => pageHref(location.pathname, location.search, 'page', n);
  fill(document.getElementById('pager'), pager({ page, total, perPage: PER_PAGE, hrefFor }));
});

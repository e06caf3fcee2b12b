// `/search?q=...&page=N`: the posts whose title words or site match every word of `q`
// (`domain:example.com` keeps to one site), 20 a page with Prev / Next, each shown as on the front
// page. Without `q` the page is just the box; a query the API refuses (empty, over 200 characters,
// `domain:` alone) has its message beside the box. The box is a plain GET form, so another search
// loads the page afresh, with or without JavaScript. An anonymous visitor's filtered tags are left
// out (a logged-in reader's, the server leaves out itself).

import { api } from '../api.js';
import { el, fill, pager } from '../dom.js';
import { excludedTags } from '../filters.js';
import { plural, searchRefusal } from '../format.js';
import { showError } from '../forms.js';
import { boot } from '../header.js';
import { listedPost } from '../posts.js';
import { pageHref, searchApiPath, searchFor } from '../urls.js';

const PER_PAGE = 20;

boot(async (session) => {
  const query = searchFor(location.search);
  const form = document.getElementById('search-form');
  const box = form.elements.namedItem('q');
  if (query.q === null) {
    box.focus();
    return;
  }
  box.value = query.q;
  document.getElementById('site-search-q').value = query.q;
  if (query.q.trim()) document.title = `${query.q} · Search · Just Tech News`;

  let found;
  try {
    found = await api('GET', searchApiPath(query, PER_PAGE, excludedTags(session)));
  } catch (error) {
    if (error.status !== 422) throw error;
    error.message = searchRefusal(error.message);
    showError(form, error);
    return;
  }
  const { posts, total } = found;
  const summary = document.getElementById('search-summary');
  summary.textContent = `${plural(total, 'post')} for “${query.q}”`;
  summary.hidden = total === 0;

  const list = document.getElementById('post-list');
  list.start = (query.page - 1) * PER_PAGE + 1;
  list.replaceChildren(...posts.map((post) => listedPost(post, session)));
  const hrefFor = (page) => pageHref(location.pathname, location.search, 'page', page);
  const empty = document.getElementById('empty');
  empty.hidden = posts.length > 0;
  if (total > 0) {
    fill(empty, 'There are no results on this page. ', el('a', { href: hrefFor(1), text: 'Back to the first page' }));
  } else {
    fill(empty, `No posts match “${query.q}”. Fewer or shorter words find more.`);
  }
  fill(document.getElementById('pager'), pager({ page: query.page, total, perPage: PER_PAGE, hrefFor, label: 'Pages of results' }));
});

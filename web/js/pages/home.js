// `/` (hot), `/new` (newest) and `/top` (most voted, with period links): one page of 20 posts,
// with Prev / Next, and "flag" on others' posts for a logged-in reader, then the Atom feed to
// follow (the newest posts' on `/new`, the hot ones' otherwise). The three URLs serve this same
// page; the path says which listing it is.

import { api } from '../api.js';
import { el, fill, pager } from '../dom.js';
import { boot } from '../header.js';
import { listedPost } from '../posts.js';
import { listingApiPath, listingFeedHref, listingFor, pageHref, PERIODS, periodHref } from '../urls.js';

const PER_PAGE = 20;

const TITLES = { hot: 'Hot posts', new: 'Newest posts', top: 'Top posts' };
const TAB_TITLES = { hot: 'Just Tech News', new: 'New · Just Tech News', top: 'Top · Just Tech News' };
const FEED_TITLES = { hot: 'Atom feed of hot posts', new: 'Atom feed of the newest posts', top: 'Atom feed of hot posts' };
const PERIOD_NAMES = { day: 'day', week: 'week', month: 'month', year: 'year', all: 'all time' };
const PERIOD_TITLES = { day: 'of the last day', week: 'of the last week', month: 'of the last month', year: 'of the last year', all: 'of all time' };

function periodLinks(current) {
  return el('ul', {}, PERIODS.map((period) => el('li', {},
    el('a', { href: periodHref(period), text: PERIOD_NAMES[period], 'aria-current': period === current ? 'page' : null }))));
}

boot(async (session) => {
  const listing = listingFor(location.pathname, location.search);
  const { posts, total } = await api('GET', listingApiPath(listing, PER_PAGE));
  document.title = TAB_TITLES[listing.sort];
  const title = document.getElementById('listing-title');
  title.textContent = listing.period ? `${TITLES.top} ${PERIOD_TITLES[listing.period]}` : TITLES[listing.sort];
  if (listing.period) {
    // On /top the heading is shown, so the period links have their context.
    title.classList.remove('visually-hidden');
    const periods = document.getElementById('periods');
    fill(periods, periodLinks(listing.period));
    periods.hidden = false;
  }

  const list = document.getElementById('post-list');
  list.start = (listing.page - 1) * PER_PAGE + 1;
  list.replaceChildren(...posts.map((post) => listedPost(post, session)));
  const hrefFor = (page) => pageHref(location.pathname, location.search, 'page', page);
  const empty = document.getElementById('empty');
  empty.hidden = posts.length > 0;
  if (listing.page > 1) {
    fill(empty, 'There are no posts on this page. ', el('a', { href: hrefFor(1), text: 'Back to the first page' }));
  } else if (listing.period) {
    fill(empty, 'No posts in this period. ', el('a', { href: periodHref('all'), text: 'See the top posts of all time' }));
  }
  fill(document.getElementById('pager'), pager({ page: listing.page, total, perPage: PER_PAGE, hrefFor }));
  const feed = document.getElementById('feed-link');
  feed.href = listingFeedHref(listing.sort);
  feed.textContent = FEED_TITLES[listing.sort];
});

// `/` (hot), `/new` (newest) and `/top` (most voted, with period links), and the same three kept
// to one tag at `/t/{name}`, `/t/{name}/new` and `/t/{name}/top` (its description and the three
// sorts linked above the list): one page of 20 posts, with Prev / Next, and "flag" on others'
// posts for a logged-in reader; then "Filter tags", the tags whose posts the reader leaves out (an
// anonymous visitor's kept in this browser and sent with every listing), and the Atom feed to
// follow (the tag's on its pages; the newest posts' on `/new`, the hot ones' otherwise). All these
// URLs serve this same page; the path says which listing it is.

import { api } from '../api.js';
import { el, fill, pageMessage, pager } from '../dom.js';
import { excludedTags, filtersForm, loadFilters } from '../filters.js';
import { boot } from '../header.js';
import { listedPost } from '../posts.js';
import { allTags } from '../tags.js';
import { listingApiPath, listingFeedHref, listingFor, pageHref, PERIODS, periodHref, sortHref } from '../urls.js';

const PER_PAGE = 20;

const TITLES = { hot: 'Hot posts', new: 'Newest posts', top: 'Top posts' };
const TAG_TITLES = { hot: 'Posts', new: 'Newest posts', top: 'Top posts' };
const TAB_TITLES = { hot: 'Just Tech News', new: 'New · Just Tech News', top: 'Top · Just Tech News' };
const FEED_TITLES = { hot: 'Atom feed of hot posts', new: 'Atom feed of the newest posts', top: 'Atom feed of hot posts' };
const SORT_NAMES = { hot: 'hot', new: 'new', top: 'top' };
const PERIOD_NAMES = { day: 'day', week: 'week', month: 'month', year: 'year', all: 'all time' };
const PERIOD_TITLES = { day: 'of the last day', week: 'of the last week', month: 'of the last month', year: 'of the last year', all: 'of all time' };

const $ = (id) => document.getElementById(id);

/** A row of links, the current one marked. */
function tabs(items, current) {
  return el('ul', {}, items.map(([key, href, text]) => el('li', {},
    el('a', { href, text, 'aria-current': key === current ? 'page' : null }))));
}

/** "Posts tagged rust", "Top posts of the last week", ... */
function headingFor({ sort, period, tag }) {
  const what = tag === null ? TITLES[sort] : `${TAG_TITLES[sort]} tagged ${tag}`;
  return period ? `${what} ${PERIOD_TITLES[period]}` : what;
}

/** The tag's page names a tag there is not. */
function noSuchTag(main, tag) {
  document.title = 'No such tag · Just Tech News';
  fill(main, pageMessage('No such tag', `Nothing here is tagged “${tag}”.`, { href: '/', text: 'Back to the front page' }));
}

/** What is shown above the list: the heading, a tag's description and sorts, /top's periods. */
function showHeading(listing, tags) {
  const { sort, period, tag } = listing;
  const title = $('listing-title');
  title.textContent = headingFor(listing);
  document.title = tag === null ? TAB_TITLES[sort] : `${TAG_TITLES[sort]} tagged ${tag} · Just Tech News`;
  if (tag !== null) {
    // A tag's page says which tag it is, and keeps its sorts within the tag.
    title.classList.remove('visually-hidden');
    const known = tags && tags.find((candidate) => candidate.name === tag);
    const description = $('tag-description');
    description.textContent = known ? known.description : '';
    description.hidden = !description.textContent;
    fill($('sorts'), tabs(Object.keys(SORT_NAMES).map((key) => [key, sortHref(key, tag), SORT_NAMES[key]]), sort));
    $('sorts').hidden = false;
    $('empty').textContent = `No posts are tagged ${tag} yet.`;
    document.head.append(el('link', { rel: 'alternate', type: 'application/atom+xml', title: `Just Tech News: posts tagged ${tag}`, href: listingFeedHref(sort, tag) }));
  }
  if (period) {
    // On /top the heading is shown, so the period links have their context.
    title.classList.remove('visually-hidden');
    fill($('periods'), tabs(PERIODS.map((key) => [key, periodHref(key, tag), PERIOD_NAMES[key]]), period));
    $('periods').hidden = false;
  }
  const feed = $('feed-link');
  feed.href = listingFeedHref(sort, tag);
  feed.textContent = tag === null ? FEED_TITLES[sort] : `Atom feed of posts tagged ${tag}`;
}

/** One page of the listing, drawn with its pager (again after the reader's filters change). */
function showPosts(listing, { posts, total }, session) {
  const list = $('post-list');
  list.start = (listing.page - 1) * PER_PAGE + 1;
  list.replaceChildren(...posts.map((post) => listedPost(post, session)));
  const hrefFor = (page) => pageHref(location.pathname, location.search, 'page', page);
  const empty = $('empty');
  empty.hidden = posts.length > 0;
  if (listing.page > 1) {
    fill(empty, 'There are no posts on this page. ', el('a', { href: hrefFor(1), text: 'Back to the first page' }));
  } else if (listing.period) {
    fill(empty, 'No posts in this period. ', el('a', { href: periodHref('all', listing.tag), text: 'See the top posts of all time' }));
  }
  fill($('pager'), pager({ page: listing.page, total, perPage: PER_PAGE, hrefFor }));
}

/** "Filter tags" under the list, saying how many are filtered; saving draws the listing again. */
function showFilters(session, tags, chosen, reload) {
  const summary = $('tag-filters-summary');
  const count = (filtered) => {
    summary.textContent = filtered.length ? `Filter tags (${filtered.length} filtered)` : 'Filter tags';
  };
  const form = filtersForm(session, tags, chosen, {
    idPrefix: 'filter-tag',
    onSaved: async (filtered) => {
      count(filtered);
      await reload();
    },
  });
  if (!form) return;
  count(chosen);
  fill($('tag-filters-body'), form);
  $('tag-filters').hidden = false;
}

boot(async (session, main) => {
  const listing = listingFor(location.pathname, location.search);
  const fetchPosts = () => api('GET', listingApiPath(listing, PER_PAGE, excludedTags(session)));
  // The tags and the reader's filters serve "Filter tags" and a tag's description: without
  // them the listing is still worth showing.
  const [page, tags, chosen] = await Promise.all([
    fetchPosts().catch((error) => {
      if (listing.tag !== null && (error.status === 404 || error.status === 422)) return null;
      throw error;
    }),
    allTags().catch(() => null),
    loadFilters(session).catch(() => null),
  ]);
  if (!page) {
    noSuchTag(main, listing.tag);
    return;
  }
  showHeading(listing, tags);
  showPosts(listing, page, session);
  if (tags && chosen) showFilters(session, tags, chosen, async () => showPosts(listing, await fetchPosts(), session));
});

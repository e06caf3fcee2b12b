// Pure URL helpers: which listing a page URL shows, the API path behind it, and the links
// between pages. Unit-tested in tests/unit.

import { pageFromSearch } from './format.js';

/** The periods `/top` can be limited to, in the order the page offers them. */
export const PERIODS = ['day', 'week', 'month', 'year', 'all'];
export const DEFAULT_PERIOD = 'week';

const SORTS = { '/': 'hot', '/new': 'new', '/top': 'top' };

/** A tag's page and the two sorts beside it: `/t/{name}`, `/t/{name}/new`, `/t/{name}/top`. */
const TAG_PATH = /^\/t\/([^/]+)(?:\/(new|top))?\/?$/;

/** A path segment decoded; as it came when it is not valid percent-encoding (the API then finds no such tag). */
function decoded(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The listing a page URL asks for: `{sort, period, page, tag}`. `/` is hot, `/new` newest,
 * `/top` most voted within `?period=` (week when missing or unknown); `period` is null
 * for the other two. `/t/{name}` and its `/new` and `/top` are the same three kept to one tag,
 * `tag` its name decoded (null off a tag's page).
 */
export function listingFor(pathname, search) {
  const tagged = TAG_PATH.exec(pathname);
  const sort = tagged ? tagged[2] || 'hot' : SORTS[pathname] || 'hot';
  const params = new URLSearchParams(search);
  const asked = params.get('period');
  const period = sort === 'top' ? (PERIODS.includes(asked) ? asked : DEFAULT_PERIOD) : null;
  return { sort, period, page: pageFromSearch(search), tag: tagged ? decoded(tagged[1]) : null };
}

/**
 * Sets `exclude_tags=a,b` on `params` for the tags in `excluded` (an anonymous visitor's filters;
 * a logged-in reader's are the server's to apply), leaving it off when there are none.
 */
function excluding(params, excluded) {
  if (excluded.length) params.set('exclude_tags', excluded.join(','));
  return params;
}

/**
 * `GET /api/posts` for a listing, one page of `perPage`, leaving out the tags in `excluded` but
 * the listing's own (a tag's page shows its posts even to someone who filters it out elsewhere).
 */
export function listingApiPath({ sort, period, page, tag = null }, perPage, excluded = []) {
  const params = new URLSearchParams({ sort });
  if (tag !== null) params.set('tag', tag);
  if (period) params.set('period', period);
  params.set('page', String(page));
  params.set('per_page', String(perPage));
  return `/api/posts?${excluding(params, excluded.filter((name) => name !== tag))}`;
}

/** `GET /api/posts` for someone's posts, newest first, one page of `perPage`, leaving out the tags in `excluded`. */
export function userPostsApiPath(userId, page, perPage, excluded = []) {
  const params = new URLSearchParams({ user_id: String(userId), sort: 'new', page: String(page), per_page: String(perPage) });
  return `/api/posts?${excluding(params, excluded)}`;
}

/** A tag's page (its hot posts). */
export function tagHref(name) {
  return `/t/${encodeURIComponent(name)}`;
}

/** A listing's own URL for `sort` ('hot', 'new' or 'top'): the front page's, or within `tag`'s page. */
export function sortHref(sort, tag = null) {
  const base = tag === null ? '' : tagHref(tag);
  if (sort === 'hot') return base || '/';
  return `${base}/${sort}`;
}

/** The `/top` link for a period (within `tag`'s page when given); the default one has no `?period=`. */
export function periodHref(period, tag = null) {
  const top = sortHref('top', tag);
  return period === DEFAULT_PERIOD ? top : `${top}?period=${encodeURIComponent(period)}`;
}

/**
 * The current URL at page `page` of the pager named `key` (`page`, `posts_page`, ...), other
 * parameters kept; page 1 drops the parameter.
 */
export function pageHref(pathname, search, key, page) {
  const params = new URLSearchParams(search);
  if (page > 1) params.set(key, String(page));
  else params.delete(key);
  const query = params.toString();
  return query ? `${pathname}?${query}` : pathname;
}

/** Someone's page. */
export function userHref(username) {
  return `/user/${encodeURIComponent(username)}`;
}

/** The username in a `/user/{username}` path, decoded; null when there is none. */
export function usernameFromPath(pathname) {
  const match = /^\/user\/([^/]+)\/?$/.exec(pathname);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

/** A comment's place on its post's page. */
export function commentHref(postId, commentId) {
  return `/post/${postId}#comment-${commentId}`;
}

/**
 * The value of `key` in a fragment such as `#token=...` or `#invite=...`, decoded; null when
 * it is missing or empty. Links carry secrets there so they never reach a server's logs.
 */
export function hashParam(hash, key) {
  for (const pair of hash.replace(/^#/, '').split('&')) {
    const [name, ...rest] = pair.split('=');
    if (name !== key) continue;
    const value = rest.join('=').trim();
    if (!value) return null;
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return null;
}

/**
 * What a `/search` URL asks for: `{q, page}`, `q` exactly as typed (null when the URL has none,
 * and then nothing is searched; an empty one is searched, for the API to say what is wrong).
 */
export function searchFor(search) {
  return { q: new URLSearchParams(search).get('q'), page: pageFromSearch(search) };
}

/** `GET /api/search` for a query, one page of `perPage`, leaving out the tags in `excluded`. */
export function searchApiPath({ q, page }, perPage, excluded = []) {
  const params = new URLSearchParams({ q, page: String(page), per_page: String(perPage) });
  return `/api/search?${excluding(params, excluded)}`;
}

/**
 * The Atom feed beside a listing: a tag's own on its pages; elsewhere the newest posts for `/new`,
 * the hot ones otherwise.
 */
export function listingFeedHref(sort, tag = null) {
  if (tag !== null) return `${tagHref(tag)}/feed.atom`;
  return sort === 'new' ? '/feeds/new.atom' : '/feeds/hot.atom';
}

/** The Atom feed of someone's posts. */
export function userFeedHref(username) {
  return `${userHref(username)}/feed.atom`;
}

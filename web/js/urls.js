// Pure URL helpers: which listing a page URL shows, the API path behind it, and the links
// between pages. Unit-tested in tests/unit.

import { pageFromSearch } from './format.js';

/** The periods `/top` can be limited to, in the order the page offers them. */
export const PERIODS = ['day', 'week', 'month', 'year', 'all'];
export const DEFAULT_PERIOD = 'week';

const SORTS = { '/': 'hot', '/new': 'new', '/top': 'top' };

/**
 * The listing a page URL asks for: `{sort, period, page}`. `/` is hot, `/new` newest,
 * `/top` most voted within `?period=` (week when missing or unknown); `period` is null
 * for the other two.
 */
export function listingFor(pathname, search) {
  const sort = SORTS[pathname] || 'hot';
  const params = new URLSearchParams(search);
  const asked = params.get('period');
  const period = sort === 'top' ? (PERIODS.includes(asked) ? asked : DEFAULT_PERIOD) : null;
  return { sort, period, page: pageFromSearch(search) };
}

/** `GET /api/posts` for a listing, one page of `perPage`. */
export function listingApiPath({ sort, period, page }, perPage) {
  const params = new URLSearchParams({ sort });
  if (period) params.set('period', period);
  params.set('page', String(page));
  params.set('per_page', String(perPage));
  return `/api/posts?${params}`;
}

/** The `/top` link for a period; the default one is plain `/top`. */
export function periodHref(period) {
  return period === DEFAULT_PERIOD ? '/top' : `/top?period=${encodeURIComponent(period)}`;
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

/** `GET /api/search` for a query, one page of `perPage`. */
export function searchApiPath({ q, page }, perPage) {
  const params = new URLSearchParams({ q, page: String(page), per_page: String(perPage) });
  return `/api/search?${params}`;
}

/** The Atom feed beside a listing: the newest posts for `/new`, the hot ones otherwise. */
export function listingFeedHref(sort) {
  return sort === 'new' ? '/feeds/new.atom' : '/feeds/hot.atom';
}

/** The Atom feed of someone's posts. */
export function userFeedHref(username) {
  return `${userHref(username)}/feed.atom`;
}

// Pure display helpers, shared by every page and unit-tested in tests/unit.

const pad = (n) => String(n).padStart(2, '0');

/** An RFC 3339 timestamp as MM/DD/YY in the reader's local time zone; '' when unreadable. */
export function formatDate(rfc3339) {
  const date = new Date(rfc3339);
  if (Number.isNaN(date.getTime())) return '';
  return `${pad(date.getMonth() + 1)}/${pad(date.getDate())}/${pad(date.getFullYear() % 100)}`;
}

/**
 * How long ago `rfc3339` was, as of `now` (milliseconds): "just now" under a minute, then "N
 * minutes ago", "N hours ago", "N days ago" up to a week, and beyond it the MM/DD/YY date; a time
 * ahead of `now` (clocks disagree) is "just now". '' when unreadable.
 */
export function relativeTime(rfc3339, now = Date.now()) {
  const then = new Date(rfc3339).getTime();
  if (Number.isNaN(then)) return '';
  const minutes = Math.floor((now - then) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${plural(minutes, 'minute')} ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${plural(hours, 'hour')} ago`;
  const days = Math.floor(hours / 24);
  if (days < 7) return `${plural(days, 'day')} ago`;
  return formatDate(rfc3339);
}

/** The exact time, for a `<time>`'s title: the reader's locale, date and time. */
export function exactTime(rfc3339) {
  const date = new Date(rfc3339);
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleString();
}

/** "1 point", "0 points", "2 comments". */
export function plural(count, noun) {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** The host of a URL without a leading "www."; '' when it is not a URL. */
export function domainOf(url) {
  try {
    return new URL(url).hostname.replace(/^www\./i, '');
  } catch {
    return '';
  }
}

/** The numeric id at the end of a path such as /post/12 or /dashboard/edit/12, or null. */
export function idFromPath(pathname, prefix) {
  const rest = pathname.startsWith(prefix) ? pathname.slice(prefix.length) : '';
  const match = /^(\d{1,15})\/?$/.exec(rest);
  return match ? Number(match[1]) : null;
}

/** A page number from a query string's `key` (`page` unless told): a positive integer, 1 otherwise. */
export function pageFromSearch(search, key = 'page') {
  const value = new URLSearchParams(search).get(key);
  return value && /^\d{1,9}$/.test(value) && Number(value) >= 1 ? Number(value) : 1;
}

/**
 * The API's refusal of a search in the reader's words: its messages name the parameter
 * ("q must not be empty"), which the page calls "your search".
 */
export function searchRefusal(message) {
  return message.replace(/^q\b/, 'Your search');
}

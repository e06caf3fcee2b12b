// Pure display helpers, shared by every page and unit-tested in tests/unit.

const pad = (n) => String(n).padStart(2, '0');

/** An RFC 3339 timestamp as MM/DD/YY in the reader's local time zone; '' when unreadable. */
export function formatDate(rfc3339) {
  const date = new Date(rfc3339);
  if (Number.isNaN(date.getTime())) return '';
  return `${pad(date.getMonth() + 1)}/${pad(date.getDate())}/${pad(date.getFullYear() % 100)}`;
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

// Programs (DESIGN.md section 22) in words, for the account page: a personal API token's scopes,
// expiry and last use, the request that makes one, the curl lines that show how to send it, and
// the export's file name and "try again" once a minute. Pure, unit-tested in tests/unit.

import { formatDate, plural, relativeTime } from './format.js';

/** What a token may do: `write` allows the reads too, so any token with it reads and writes. */
export function scopeWords(scopes) {
  return scopes.includes('write') ? 'read and write' : 'read only';
}

/** "never expires", "expires MM/DD/YY", or "expired MM/DD/YY" once `now` (milliseconds) is past it. */
export function expiryWords(expiresAt, now = Date.now()) {
  if (!expiresAt) return 'never expires';
  return `${new Date(expiresAt).getTime() <= now ? 'expired' : 'expires'} ${formatDate(expiresAt)}`;
}

/** "never used", or "last used 3 minutes ago" (the listings' relative time, a date beyond a week). */
export function lastUsedWords(lastUsedAt, now = Date.now()) {
  return lastUsedAt ? `last used ${relativeTime(lastUsedAt, now)}` : 'never used';
}

/**
 * The body of `POST /api/users/me/tokens` from the form: `expires` is the expiry select's value,
 * a number of days or '' for never (null). The name goes as typed, for the API to judge.
 */
export function tokenRequest({ name = '', scopes = [], expires = '', password = '' }) {
  return { name, scopes, expires_in_days: expires === '' ? null : Number(expires), password };
}

/** Three curl commands against `origin` with `token` (a placeholder unless given): who am I, the newest posts, a new post. */
export function curlExamples(origin, token = 'jtn_…') {
  const auth = `-H "Authorization: Bearer ${token}"`;
  return [
    `curl ${auth} ${origin}/api/users/me`,
    `curl ${auth} "${origin}/api/posts?sort=new&per_page=5"`,
    `curl ${auth} -H "Content-Type: application/json" -d '{"title": "Hello from a script", "post_url": "https://example.com/"}' ${origin}/api/posts`,
  ];
}

/** The file name a `Content-Disposition: attachment; filename="..."` header gives, or `fallback`. */
export function filenameFrom(disposition, fallback) {
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition || '');
  if (!match) return fallback;
  let name;
  try {
    name = decodeURIComponent(match[1].trim());
  } catch {
    name = match[1].trim();
  }
  // Only a plain name, never a path.
  name = name.split(/[\\/]/).pop();
  return name || fallback;
}

/** "Try again in N seconds." from a `Retry-After` header in seconds; "Try again in a minute." when it says nothing usable. */
export function retryWords(retryAfter) {
  const seconds = /^\d{1,9}$/.test(String(retryAfter ?? '').trim()) ? Number(String(retryAfter).trim()) : null;
  if (seconds === null) return 'Try again in a minute.';
  return `Try again in ${plural(Math.max(seconds, 1), 'second')}.`;
}

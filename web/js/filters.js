// Tag filters (DESIGN.md section 21): the tags whose posts a reader leaves out of their listings
// and search. A logged-in reader's are kept by the server (`/api/users/me/filters`), which
// applies them to everything it lists for them; an anonymous visitor's are kept in this
// browser's localStorage and sent as `exclude_tags` with every listing and search the pages ask
// for. The form that chooses them is the same for both: on /account, and under the listings.

import { api } from './api.js';
import { el } from './dom.js';
import { onSubmit } from './forms.js';
import { tagFieldset, tickedTags } from './tags.js';

const STORAGE_KEY = 'jtn.excludeTags';

// The API refuses a malformed name in `exclude_tags` (but ignores one that names no tag), so
// whatever else the browser hands back is dropped rather than sent.
const TAG_NAME = /^[a-z0-9-]{2,25}$/;

/** The tag names in a stored value (a JSON array), each once and in order; [] for anything else. */
export function parseExcluded(stored) {
  let names;
  try {
    names = JSON.parse(stored);
  } catch {
    return [];
  }
  if (!Array.isArray(names)) return [];
  return [...new Set(names.filter((name) => typeof name === 'string' && TAG_NAME.test(name)))].sort();
}

/** What the status line says once filters are saved. */
export function filtersSaved(tags) {
  if (!tags.length) return 'Saved: no tags are filtered.';
  const names = tags.length === 1 ? tags[0] : `${tags.slice(0, -1).join(', ')} or ${tags.at(-1)}`;
  return `Saved: posts tagged ${names} are left out.`;
}

/** The anonymous visitor's filtered tags; [] when the browser keeps none (or keeps nothing at all). */
function stored() {
  try {
    return parseExcluded(localStorage.getItem(STORAGE_KEY));
  } catch {
    return [];
  }
}

/**
 * The tags to send as `exclude_tags` with a listing or search: this browser's for an anonymous
 * visitor, none for a logged-in reader (the server applies their own).
 */
export function excludedTags(session) {
  return session && session.logged_in ? [] : stored();
}

/** The reader's filtered tags: the server's when logged in, this browser's otherwise. */
export async function loadFilters(session) {
  if (!session.logged_in) return stored();
  const { tags } = await api('GET', '/api/users/me/filters');
  return tags;
}

/** Saves the reader's filtered tags where `loadFilters` reads them; returns what is now filtered. */
export async function saveFilters(session, tags) {
  if (session.logged_in) return (await api('PUT', '/api/users/me/filters', { tags })).tags;
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(tags));
  } catch {
    throw new Error('This browser would not keep your filters. Allow this site to store data, or log in to keep them with your account.');
  }
  return stored();
}

/**
 * The form that chooses the reader's filtered tags out of `tags` (all there are), `chosen` ticked:
 * a checkbox a tag, "Save filters", and what was saved said beneath; `onSaved(filtered)` runs
 * after each save. `idPrefix` keeps its ids apart from the page's others. Null when there are no tags.
 */
export function filtersForm(session, tags, chosen, { idPrefix, onSaved = () => {} }) {
  const fieldset = tagFieldset({
    legend: 'Leave out posts tagged',
    hint: 'A tag’s own page still shows its posts.',
    tags,
    chosen,
    name: 'exclude',
    idPrefix,
  });
  if (!fieldset) return null;
  const status = el('p', { className: 'form-status', role: 'status' });
  const form = el('form', { className: 'filters-form', novalidate: true },
    fieldset, el('button', { type: 'submit', text: 'Save filters' }), status, el('p', { className: 'form-error', role: 'alert' }));
  onSubmit(form, async () => {
    status.textContent = '';
    const filtered = await saveFilters(session, tickedTags(form, 'exclude'));
    status.textContent = filtersSaved(filtered);
    await onSaved(filtered);
  });
  return form;
}

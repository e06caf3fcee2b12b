// The account page's "Your data" section (DESIGN.md section 22): "Download your data (JSON)". The
// link works on its own (a same-origin GET with the cookie); with scripts it is fetched here so
// that a refusal (at most one export a minute) is said on the page instead of saved as a file.

import { ApiError } from './api.js';
import { el } from './dom.js';
import { redirectIfLoggedOut } from './forms.js';
import { filenameFrom, retryWords } from './programs.js';

/** Saves `blob` as `filename` through a temporary download link. */
function save(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = el('a', { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** Fetches the export; the file's name and contents, or an ApiError (a 429's `retryAfter` with it). */
async function fetchExport(href) {
  let response;
  try {
    response = await fetch(href, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  } catch {
    throw new ApiError(0, { code: 'network_error', message: 'Could not reach the server. Check your connection and try again.' });
  }
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    const failure = new ApiError(response.status, body && typeof body === 'object' ? body : undefined);
    failure.retryAfter = response.headers.get('Retry-After');
    throw failure;
  }
  return { filename: filenameFrom(response.headers.get('Content-Disposition'), 'just-tech-news.json'), blob: await response.blob() };
}

/** Wires the download link. */
export function yourDataSection() {
  const link = document.getElementById('export-link');
  const status = document.getElementById('export-status');
  const error = document.getElementById('export-error');
  let busy = false;
  link.addEventListener('click', async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    link.setAttribute('aria-disabled', 'true');
    status.textContent = '';
    error.textContent = '';
    try {
      const { filename, blob } = await fetchExport(link.href);
      save(blob, filename);
      status.textContent = `Downloaded as ${filename}.`;
    } catch (failure) {
      if (redirectIfLoggedOut(failure)) return;
      error.textContent = failure.status === 429
        ? `You can download your data once a minute. ${retryWords(failure.retryAfter)}`
        : failure.message;
    } finally {
      busy = false;
      link.removeAttribute('aria-disabled');
    }
  });
}

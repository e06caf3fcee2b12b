// The account page's "Private feeds" section (DESIGN.md section 22): the two Atom feeds of one's
// own front page and inbox, at URLs that hold a secret. The site keeps only the secret's hash, so
// the URLs are shown when made and never again; making them again replaces them (the old ones
// stop working), and "Turn off private feeds" ends them.

import { api } from './api.js';
import { copyField } from './copy.js';
import { el, fill } from './dom.js';
import { busy } from './forms.js';

const $ = (id) => document.getElementById(id);

const MAKE = 'Make private feed URLs';
const REMAKE = 'New URLs (the old ones stop working)';

/** The two URLs just made, with how to use them. */
function showUrls({ front, inbox }) {
  fill($('feed-urls'),
    el('p', { className: 'warning', text: 'Copy them now: they won\'t be shown again.' }),
    copyField({ id: 'feed-front', label: 'Your front page (Atom)', value: front, name: 'Copy front page URL' }),
    copyField({ id: 'feed-inbox', label: 'Your inbox (Atom)', value: inbox, name: 'Copy inbox URL' }),
    el('p', { className: 'hint', text: 'In your feed reader, add a feed (or "subscribe") and paste one of these URLs. The reader fetches it from time to time; you need not be logged in.' }));
  $('feed-urls').hidden = false;
}

function hideUrls() {
  fill($('feed-urls'));
  $('feed-urls').hidden = true;
}

/** Wires "Make private feed URLs" (then "New URLs …") and "Turn off private feeds". */
export function privateFeedsSection() {
  const form = $('feed-form');
  const make = $('feed-make');
  const off = $('feed-off');
  const status = $('feed-status');
  const buttons = [make, off];
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(form, async () => {
      status.textContent = '';
      showUrls(await api('POST', '/api/users/me/feed-token'));
      make.textContent = REMAKE;
      $('feed-make-hint').hidden = true;
      status.textContent = 'Your private feeds are on. Any URLs made before no longer work.';
      $('feed-front').focus();
    }, buttons);
  });
  off.addEventListener('click', () => {
    busy(form, async () => {
      status.textContent = '';
      await api('DELETE', '/api/users/me/feed-token');
      hideUrls();
      make.textContent = MAKE;
      $('feed-make-hint').hidden = true;
      status.textContent = 'Your private feeds are off: their URLs no longer work.';
    }, buttons);
  });
}

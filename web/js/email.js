// A person's e-mail address (DESIGN.md section 23): the banner under every page's header while
// it is unconfirmed, with "Send the link again"; the account page's "E-mail address" section
// (the address, whether it is confirmed, a change waiting to be confirmed, and the form that
// changes it); and the pages a mailed link opens (`/verify`, `/confirm-email`), which spend the
// token in the link's fragment.

import { api } from './api.js';
import { el, fill } from './dom.js';
import { onSubmit, redirectIfLoggedOut } from './forms.js';
import { addressState, changeSentWords, pendingWords, resendWords } from './identity.js';
import { tokenFromHash } from './recovery.js';

const BANNER_ID = 'verify-banner';

function banner() {
  const button = el('button', { type: 'button', className: 'small secondary', text: 'Send the link again' });
  const said = el('p', { className: 'form-status', role: 'status' });
  const refused = el('p', { className: 'form-error', role: 'alert' });
  const text = el('p', { className: 'verify-banner-text', text: 'Please confirm your e-mail address: open the link in the mail we sent you.' });
  button.addEventListener('click', async () => {
    button.disabled = true;
    said.textContent = '';
    refused.textContent = '';
    let failure = null;
    try {
      await api('POST', '/api/users/me/email/verification');
    } catch (error) {
      if (redirectIfLoggedOut(error)) return;
      failure = error;
    }
    const { text: outcome, failed } = resendWords(failure);
    (failed ? refused : said).textContent = outcome;
    if (failure && failure.code === 'already_verified') {
      text.hidden = true;
      button.hidden = true;
    }
    button.disabled = false;
  });
  return el('div', { id: BANNER_ID, className: 'verify-banner', role: 'region', 'aria-label': 'E-mail confirmation' },
    el('div', { className: 'wrap' }, text, button, said, refused));
}

/**
 * Shows the banner below the header while `session` (GET /api/session) is a logged-in person
 * whose address is unconfirmed, and takes it away otherwise; drawn once, so what "Send the link
 * again" said stays while the header is redrawn.
 */
export function showVerifyBanner(session) {
  const unconfirmed = Boolean(session && session.logged_in && session.user && session.user.email_verified === false);
  const drawn = document.getElementById(BANNER_ID);
  if (!unconfirmed) {
    if (drawn) drawn.remove();
    return;
  }
  if (drawn) return;
  const header = document.querySelector('.site-header');
  if (header) header.after(banner());
  else document.body.prepend(banner());
}

/**
 * The account page's "E-mail address" section for `me` (GET /api/users/me): the address and
 * whether it is confirmed, the change waiting for its link, and "Change e-mail address" (the new
 * address and the password), which mails a link to the new address and changes nothing yet.
 */
export function emailAddressSection(me) {
  const $ = (id) => document.getElementById(id);
  const form = $('address-form');
  const status = $('address-status');
  const show = (person) => {
    $('address-current').textContent = person.email;
    $('address-state').textContent = addressState(person);
    $('address-state').classList.toggle('unconfirmed', !person.email_verified);
    const pending = pendingWords(person);
    $('address-pending').textContent = pending || '';
    $('address-pending').hidden = !pending;
  };
  show(me);
  onSubmit(form, async ({ email, password }) => {
    status.textContent = '';
    try {
      await api('PUT', '/api/users/me/email', { email, password });
    } catch (error) {
      if (error.code === 'wrong_password' && !error.field) error.field = 'password';
      if (error.code === 'email_taken' && !error.field) error.field = 'email';
      throw error;
    }
    form.reset();
    show({ ...me, pending_email: email });
    status.textContent = changeSentWords(email);
  });
}

/**
 * The token in a mailed link's fragment (`#token=...`), or null when the page was opened without
 * one. The fragment leaves the address bar at once, so the token stays out of the history and
 * off the screen; the page keeps it in memory.
 */
export function mailedLinkToken() {
  const token = tokenFromHash(location.hash);
  if (location.hash) history.replaceState(history.state, '', location.pathname + location.search);
  return token;
}

/**
 * Spends a mailed link's `token` and says how it went in `box` (a role="status" element), focus
 * moving there. `post(token)` calls the API; `outcome(error)` (`error` null on success) gives
 * `{text, links: [{href, text}], failed}`, or null for a failure that is not the link's (the
 * network, the server): that one is said with "Try again", which sends the same token again.
 * `spent()` runs after a success.
 */
export async function spendToken(box, token, { post, outcome, spent }) {
  let failure = null;
  try {
    await post(token);
  } catch (error) {
    failure = error;
  }
  const said = outcome(failure);
  if (!said) {
    const again = el('button', { type: 'button', text: 'Try again' });
    again.addEventListener('click', () => {
      again.disabled = true;
      spendToken(box, token, { post, outcome, spent });
    });
    box.classList.add('failed');
    fill(box, el('p', { text: failure.message }), el('p', {}, again));
    box.focus();
    return;
  }
  const { text, links = [], failed } = said;
  box.classList.toggle('failed', failed);
  fill(box, el('p', { text }), links.map((link) => el('p', {}, el('a', { href: link.href, text: link.text }))));
  box.focus();
  if (!failure && spent) await spent();
}

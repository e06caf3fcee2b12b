// The account page's "API tokens" section (DESIGN.md section 22): the form that makes a personal
// token (name, what it may do, when it expires, the password), the new token shown this once
// with a button to copy it, the tokens made so far with when each was last used and "Revoke"
// (asked twice), and how to send one with curl.

import { api } from './api.js';
import { copyField } from './copy.js';
import { el, fill } from './dom.js';
import { exactTime, formatDate } from './format.js';
import { busy, confirmStep, onSubmit, redirectIfLoggedOut } from './forms.js';
import { curlExamples, expiryWords, lastUsedWords, scopeWords, tokenRequest } from './programs.js';

const $ = (id) => document.getElementById(id);

/** A `<time>` of `rfc3339` reading `text`, the exact time as its title. */
const time = (rfc3339, text) => el('time', { datetime: rfc3339, title: exactTime(rfc3339), text });

/** "Revoke", then "Revoke NAME? …" with "Yes, revoke it" and "No, keep it". */
function revokeControl(token, revoked) {
  const start = el('button', { type: 'button', className: 'small danger', text: 'Revoke', 'aria-label': `Revoke ${token.name}` });
  const yes = el('button', { type: 'submit', className: 'small danger', text: 'Yes, revoke it' });
  const no = el('button', { type: 'button', className: 'small secondary', text: 'No, keep it' });
  const confirm = el('div', { className: 'confirm', hidden: true },
    el('p', { text: `Revoke ${token.name}? Whatever uses it is refused from now on.` }), yes, no);
  const form = el('form', { className: 'inline-form token-revoke' }, start, confirm, el('p', { className: 'form-error', role: 'alert' }));
  confirmStep(start, confirm, no);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(form, async () => {
      await api('DELETE', `/api/users/me/tokens/${token.id}`);
      await revoked(token);
    }, [yes, no]);
  });
  return form;
}

function tokenItem(token, now, revoked) {
  const used = lastUsedWords(token.last_used_at, now);
  return el('li', { className: 'token' },
    el('p', { className: 'token-line' },
      el('strong', { className: 'token-name', text: token.name }), ' ',
      el('span', { className: 'token-scopes', text: scopeWords(token.scopes) })),
    el('p', { className: 'token-dates' },
      'Created ', time(token.created_at, formatDate(token.created_at)), ' · ',
      token.expires_at ? time(token.expires_at, expiryWords(token.expires_at, now)) : expiryWords(null), ' · ',
      token.last_used_at ? time(token.last_used_at, used) : used),
    revokeControl(token, revoked));
}

/** The token just made, shown this once; gone when the page is left. */
function showCreated(token) {
  const box = $('token-created');
  fill(box,
    el('p', { className: 'warning', text: 'Copy it now: it won\'t be shown again.' }),
    copyField({ id: 'new-token', label: `Your new token “${token.name}” (${scopeWords(token.scopes)}, ${expiryWords(token.expires_at)})`, value: token.token, name: 'Copy token' }));
  box.dataset.tokenId = String(token.id);
  box.hidden = false;
  $('new-token').focus();
}

/** Draws the section's list and curl lines and wires the form; returns what redraws the list. */
export async function tokensSection() {
  const form = $('token-form');
  const list = $('token-list');
  const listError = $('token-list-error');
  fill($('token-curl'), curlExamples(location.origin).map((line) => el('code', { text: line })));

  const refresh = async () => {
    listError.textContent = '';
    try {
      const { tokens } = await api('GET', '/api/users/me/tokens');
      const now = Date.now();
      fill(list, tokens.map((token) => tokenItem(token, now, revoked)));
      $('token-empty').hidden = tokens.length > 0;
    } catch (failure) {
      if (!redirectIfLoggedOut(failure)) listError.textContent = failure.message;
    }
  };
  // A revoked token that is still on show goes with it; focus moves to the list's heading.
  const revoked = async (token) => {
    const box = $('token-created');
    if (box.dataset.tokenId === String(token.id)) {
      fill(box);
      box.hidden = true;
    }
    await refresh();
    $('token-list-heading').focus();
  };

  onSubmit(form, async ({ name, expires_in_days: expires, password }) => {
    const scopes = [...form.querySelectorAll('input[name="scope"]:checked')].map((box) => box.value);
    const token = await api('POST', '/api/users/me/tokens', tokenRequest({ name, scopes, expires, password }));
    form.reset();
    showCreated(token);
    await refresh();
  });
  await refresh();
  return refresh;
}

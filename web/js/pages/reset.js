// `/reset#token=...`: the link in a password-reset mail. The token rides in the fragment so it
// never reaches a server log; it is read once, kept in memory, and dropped from the address bar
// at once, so it stays out of the history and off the screen.

import { api, getSession } from '../api.js';
import { el, fill, pageMessage } from '../dom.js';
import { onSubmit } from '../forms.js';
import { boot, renderNav } from '../header.js';
import { tokenFromHash } from '../recovery.js';

const token = tokenFromHash(location.hash);
if (location.hash) history.replaceState(history.state, '', location.pathname + location.search);

const NEW_LINK = { href: '/forgot', text: 'Ask for a new link' };

function showOutcome(form, text, link, failed = false) {
  const outcome = document.getElementById('reset-outcome');
  form.hidden = true;
  outcome.classList.toggle('failed', failed);
  fill(outcome, el('p', { text }), el('p', {}, el('a', { href: link.href, text: link.text })));
  outcome.focus();
}

boot(async (session, main) => {
  if (!token) {
    fill(main, pageMessage('This page needs the link from your email',
      'To choose a new password, open the link in the password-reset email we sent you, or ask for a new one.', NEW_LINK));
    return;
  }
  document.getElementById('reset').hidden = false;
  const form = document.getElementById('reset-form');
  onSubmit(form, async ({ new_password }) => {
    try {
      await api('POST', '/api/password-resets/confirm', { token, new_password });
    } catch (error) {
      if (error.code !== 'invalid_token') throw error;
      showOutcome(form, 'This link has expired or was already used.', NEW_LINK, true);
      return;
    }
    showOutcome(form, 'Your password is changed and every session was logged out.', { href: '/login', text: 'Log in' });
    if (session.logged_in) renderNav(await getSession());
  });
});

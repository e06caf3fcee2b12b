// `/confirm-email#token=...`: the link mailed to a new address when someone changes theirs on
// /account. Opening it makes the change (the address is then confirmed, and every other session
// and API token of the person ends); the token leaves the address bar at once.

import { api, getSession } from '../api.js';
import { el, fill, pageMessage } from '../dom.js';
import { mailedLinkToken, spendToken } from '../email.js';
import { boot, renderNav } from '../header.js';

const token = mailedLinkToken();

const ACCOUNT = { href: '/account', text: 'Go to your account' };

/** What the page says once the API has answered (`error` null when the address is changed). */
function outcome(error, session) {
  if (!error) {
    return {
      text: 'Your e-mail address is changed and confirmed. Every other session was logged out and your API tokens were revoked.',
      links: [session.logged_in ? ACCOUNT : { href: '/login', text: 'Log in with your new address' }],
      failed: false,
    };
  }
  if (error.code === 'email_taken') {
    return {
      text: 'Someone else has started using that address since you asked, so your address was not changed. You can choose another one on your account page.',
      links: [ACCOUNT],
      failed: true,
    };
  }
  if (error.code === 'invalid_token') {
    return {
      text: 'This link has expired or was already used, so nothing was changed. To change your address, ask again on your account page.',
      links: [ACCOUNT],
      failed: true,
    };
  }
  return null;
}

boot(async (session, main) => {
  if (!token) {
    fill(main, pageMessage('This page needs the link from your email',
      'To change your e-mail address, open the link we sent to the new address.', ACCOUNT));
    return;
  }
  document.getElementById('confirm-email').hidden = false;
  const box = document.getElementById('confirm-email-outcome');
  await spendToken(box, token, {
    post: (value) => api('POST', '/api/users/me/email/confirm', { token: value }),
    outcome: (error) => outcome(error, session),
    // The change is made whatever happens here; this only shows the new address and redraws the header.
    spent: async () => {
      if (!session.logged_in) return;
      try {
        const now = await getSession();
        renderNav(now);
        if (!now.logged_in) return;
        const me = await api('GET', '/api/users/me');
        box.firstElementChild.after(el('p', { className: 'new-address', text: `Your address is now ${me.email}.` }));
      } catch {
        // Said on the account page instead.
      }
    },
  });
});

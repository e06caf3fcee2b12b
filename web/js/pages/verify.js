// `/verify#token=...`: the link in the mail sent at sign-up (or by "Send the link again"). The
// address is confirmed as soon as the page opens; the token leaves the address bar at once.

import { api, getSession } from '../api.js';
import { fill, pageMessage } from '../dom.js';
import { mailedLinkToken, spendToken } from '../email.js';
import { boot, renderNav } from '../header.js';

const token = mailedLinkToken();

/** What the page says once the API has answered (`error` null when the address is confirmed). */
function outcome(error, session) {
  const user = session.logged_in ? session.user : null;
  if (!error) {
    return {
      text: 'Your e-mail address is confirmed.',
      links: [user ? { href: '/account', text: 'Go to your account' } : { href: '/login', text: 'Log in' }],
      failed: false,
    };
  }
  if (error.code !== 'invalid_token') return null;
  let next;
  if (!user) next = 'Log in to ask for a new link.';
  else if (user.email_verified) next = 'Your own address is confirmed already: there is nothing more to do.';
  else next = 'Ask for a new one with “Send the link again” at the top of the page.';
  return {
    text: `This link has expired or was already used. ${next}`,
    links: user ? [] : [{ href: '/login', text: 'Log in' }],
    failed: true,
  };
}

boot(async (session, main) => {
  if (!token) {
    fill(main, pageMessage('This page needs the link from your email',
      'To confirm your e-mail address, open the link in the mail we sent you.', { href: '/', text: 'Go to the front page' }));
    return;
  }
  document.getElementById('verify').hidden = false;
  await spendToken(document.getElementById('verify-outcome'), token, {
    post: (value) => api('POST', '/api/users/me/email/verify', { token: value }),
    outcome: (error) => outcome(error, session),
    spent: async () => {
      if (session.logged_in) renderNav(await getSession());
    },
  });
});

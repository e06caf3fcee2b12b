// The header every page shares: the listings ("new", "top"; the brand is the hot front page),
// the public moderation log ("moderation"), and, since pages are static, "dashboard / inbox /
// saved / account / logout" or "login" drawn from what GET /api/session says, "inbox" with the
// count of unread notifications when there are some ("inbox (3)"). The page the reader is on is
// marked aria-current="page". The search box beside them is in each page's HTML, a plain GET form
// to /search that needs no script. Below the header, while the person's e-mail address is not
// confirmed, a banner says so with "Send the link again" (`email.js`).

import { api, getSession } from './api.js';
import { el, fill, pageMessage } from './dom.js';
import { showVerifyBanner } from './email.js';
import { inboxLabel } from './inbox.js';

function navLink(href, text) {
  const current = location.pathname === href;
  return el('a', { href, text, 'aria-current': current ? 'page' : null });
}

function logoutButton() {
  const button = el('button', { type: 'button', className: 'link-button', text: 'logout' });
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await api('POST', '/api/users/logout');
      location.assign('/');
    } catch (error) {
      button.disabled = false;
      const status = document.getElementById('nav-error');
      if (status) status.textContent = error.message;
    }
  });
  return button;
}

/** Shows `count` unread on the inbox link: "inbox (3)", named "inbox, 3 unread"; plain "inbox" at 0. */
function labelInbox(link, count) {
  const { text, name } = inboxLabel(count);
  link.textContent = text;
  if (name) link.setAttribute('aria-label', name);
  else link.removeAttribute('aria-label');
}

/** Updates the header's inbox link to `count` unread, without reloading (e.g. after "mark all read"). */
export function showUnread(count) {
  const link = document.getElementById('nav-inbox');
  if (link) labelInbox(link, count);
}

function inboxLink(unread) {
  const link = navLink('/inbox', 'inbox');
  link.id = 'nav-inbox';
  labelInbox(link, unread || 0);
  return link;
}

export function renderNav(session) {
  const nav = document.getElementById('site-nav');
  if (!nav) return;
  const brand = document.querySelector('.site-header .brand');
  if (brand && location.pathname === '/') brand.setAttribute('aria-current', 'page');
  const listings = [navLink('/new', 'new'), navLink('/top', 'top'), navLink('/moderation', 'moderation')];
  const account = session && session.logged_in
    ? [navLink('/dashboard', 'dashboard'), inboxLink(session.user.unread), navLink('/saved', 'saved'),
      navLink('/account', 'account'), logoutButton()]
    : session ? [navLink('/login', 'login')] : [];
  const list = (className, items) => el('ul', { className }, items.map((item) => el('li', {}, item)));
  fill(nav, list('nav-listings', listings), list('nav-account', account),
    el('span', { id: 'nav-error', className: 'nav-error', role: 'alert' }));
  showVerifyBanner(session);
}

/**
 * Draws the header, then runs `page(session, main)`. A failure to load anything
 * (API down, network gone) becomes a readable message in place of the page.
 */
export async function boot(page) {
  const main = document.getElementById('main');
  try {
    const session = await getSession();
    renderNav(session);
    await page(session, main);
  } catch (error) {
    renderNav(null);
    fill(main, pageMessage('Something went wrong', error.message || 'Please try again in a moment.', { href: location.pathname + location.search, text: 'Reload' }));
  } finally {
    main.removeAttribute('aria-busy');
  }
}

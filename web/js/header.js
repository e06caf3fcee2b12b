// The header every page shares: the listings ("new", "top"; the brand is the hot front page),
// the public moderation log ("moderation"), and, since pages are static, "dashboard / saved /
// account / logout" or "login" drawn from what GET /api/session says. The page the reader is on is marked
// aria-current="page". The search box beside them is in each page's HTML, a plain GET form to
// /search that needs no script.

import { api, getSession } from './api.js';
import { el, fill, pageMessage } from './dom.js';

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

export function renderNav(session) {
  const nav = document.getElementById('site-nav');
  if (!nav) return;
  const brand = document.querySelector('.site-header .brand');
  if (brand && location.pathname === '/') brand.setAttribute('aria-current', 'page');
  const listings = [navLink('/new', 'new'), navLink('/top', 'top'), navLink('/moderation', 'moderation')];
  const account = session && session.logged_in
    ? [navLink('/dashboard', 'dashboard'), navLink('/saved', 'saved'), navLink('/account', 'account'), logoutButton()]
    : session ? [navLink('/login', 'login')] : [];
  const list = (className, items) => el('ul', { className }, items.map((item) => el('li', {}, item)));
  fill(nav, list('nav-listings', listings), list('nav-account', account),
    el('span', { id: 'nav-error', className: 'nav-error', role: 'alert' }));
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

// `/inbox`: the reader's notifications (DESIGN.md section 20), newest first, 20 a page with
// Prev / Next, all of them or only the unread (`?unread=true`). Each says who did what, when, and
// shows the comment; unread ones are marked "new", and opening one marks it read. "Mark all
// read" marks read everything up to the newest the page knew of (what arrives meanwhile stays
// unread), draws the list again and updates the header's count. A logged-out visitor is sent to
// /login.

import { api } from '../api.js';
import { commentBody } from '../comments.js';
import { el, fill, pager } from '../dom.js';
import { onSubmit } from '../forms.js';
import { boot, showUnread } from '../header.js';
import {
  emptyInbox, inboxApiPath, inboxFor, inboxHref, newestId, notificationHref, notificationWords, PER_PAGE, unreadSummary,
} from '../inbox.js';
import { postedAt } from '../posts.js';
import { pageHref } from '../urls.js';

/** The count of unread notifications, wherever it is shown: the header, the line above the list, the title. */
function showCount(unread) {
  showUnread(unread);
  document.getElementById('inbox-summary').textContent = unreadSummary(unread);
  document.getElementById('mark-all-form').hidden = unread === 0;
  document.title = unread > 0 ? `Inbox (${unread}) · Just Tech News` : 'Inbox · Just Tech News';
}

/** Takes the "new" mark off an item. */
function markedRead(item) {
  item.classList.remove('unread');
  item.querySelector('.new-mark')?.remove();
}

/**
 * Opening an unread notification marks it read. A plain click waits for the API (so the next
 * page's header counts it) and then follows the link; one that opens a new tab or window only
 * sends the request, `keepalive` so it survives the page.
 */
function readOnOpen(link, notification, item, state) {
  const open = (event) => {
    if (notification.read || (event.type === 'auxclick' && event.button !== 1)) return;
    notification.read = true;
    markedRead(item);
    state.unread = Math.max(0, state.unread - 1);
    showCount(state.unread);
    const sent = fetch(`/api/notifications/${notification.id}/read`, { method: 'PUT', credentials: 'same-origin', keepalive: true })
      .catch(() => null);
    const elsewhere = event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey;
    if (elsewhere) return;
    event.preventDefault();
    sent.then(() => location.assign(link.href));
  };
  link.addEventListener('click', open);
  link.addEventListener('auxclick', open);
}

/** One notification: "new" when unread, who did what on which post (the link), when, and the comment. */
function notificationItem(notification, state) {
  const { who, did, title } = notificationWords(notification);
  const link = el('a', { className: 'notification-link', href: notificationHref(notification) },
    el('span', { className: 'notification-who', text: who }), ` ${did} `, el('span', { className: 'notification-title', text: title }));
  const item = el('li', { className: notification.read ? 'notification' : 'notification unread' },
    el('p', { className: 'notification-line' },
      notification.read ? null : el('span', { className: 'new-mark', text: 'new' }),
      link, ' ', el('span', { className: 'notification-time' }, postedAt(notification))),
    notification.comment ? commentBody(notification.comment) : null);
  if (!notification.read) readOnOpen(link, notification, item, state);
  return item;
}

boot(async (session) => {
  if (!session.logged_in) {
    location.replace('/login');
    return;
  }
  const shown = inboxFor(location.search);
  const state = { unread: session.user.unread || 0, upTo: null };
  document.getElementById('inbox').hidden = false;
  for (const unread of [false, true]) {
    const link = document.getElementById(unread ? 'filter-unread' : 'filter-all');
    link.href = inboxHref(unread);
    if (unread === shown.unread) link.setAttribute('aria-current', 'page');
  }

  const draw = async () => {
    const [list, first] = await Promise.all([
      api('GET', inboxApiPath(shown)),
      // The newest there is, for "mark all read": page 1 has it, a later page asks for it.
      shown.page > 1 ? api('GET', inboxApiPath({ ...shown, page: 1 }, 1)) : null,
    ]);
    state.unread = list.unread;
    state.upTo = newestId((first || list).notifications);
    showCount(state.unread);
    const items = document.getElementById('notification-list');
    items.replaceChildren(...list.notifications.map((notification) => notificationItem(notification, state)));
    const empty = document.getElementById('empty');
    empty.textContent = emptyInbox({ unread: shown.unread, total: list.total }, session.user.username);
    empty.hidden = list.notifications.length > 0;
    const hrefFor = (n) => pageHref(location.pathname, location.search, 'page', n);
    fill(document.getElementById('pager'), list.total > 0 ? pager({ page: shown.page, total: list.total, perPage: PER_PAGE, hrefFor }) : null);
  };

  onSubmit(document.getElementById('mark-all-form'), async () => {
    if (state.upTo !== null) await api('POST', '/api/notifications/read', { up_to_id: state.upTo });
    await draw();
    document.getElementById('inbox-heading').focus();
  });
  await draw();
});

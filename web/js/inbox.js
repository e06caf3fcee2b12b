// The inbox (DESIGN.md section 20) in words: what each notification says and where it leads,
// which list an `/inbox` URL asks for, the header link's count, and what the e-mail setting
// says once saved. Pure; unit-tested in tests/unit.

import { pageFromSearch, plural } from './format.js';
import { commentHref } from './urls.js';

/** Notifications a page. */
export const PER_PAGE = 20;

const DOINGS = {
  reply: 'replied to your comment on',
  post_comment: 'commented on your post',
  mention: 'mentioned you in',
};

/**
 * Who did what, in three parts: `who` (their username, or "someone (deleted account)" when the
 * account is gone), `did` ("replied to your comment on", "commented on your post", "mentioned
 * you in") and `title`, the post's.
 */
export function notificationWords(notification) {
  return {
    who: notification.actor ? notification.actor.username : 'someone (deleted account)',
    did: DOINGS[notification.kind] || 'wrote to you on',
    title: notification.post.title,
  };
}

/** The three parts as one sentence: "alice replied to your comment on A post". */
export function notificationText(notification) {
  const { who, did, title } = notificationWords(notification);
  return `${who} ${did} ${title}`;
}

/** Where a notification leads: its comment in the thread, or the post when there is none (a mention in a text post). */
export function notificationHref(notification) {
  return notification.comment ? commentHref(notification.post.id, notification.comment.id) : `/post/${notification.post.id}`;
}

/** What an `/inbox` URL asks for: `{page, unread}`, `unread` true only for `?unread=true`. */
export function inboxFor(search) {
  return { page: pageFromSearch(search), unread: new URLSearchParams(search).get('unread') === 'true' };
}

/** `GET /api/notifications` for a list, one page of `perPage`. */
export function inboxApiPath({ page, unread }, perPage = PER_PAGE) {
  const params = new URLSearchParams({ page: String(page), per_page: String(perPage) });
  if (unread) params.set('unread', 'true');
  return `/api/notifications?${params}`;
}

/** The filter's links: all notifications, or only the unread ones. */
export function inboxHref(unread) {
  return unread ? '/inbox?unread=true' : '/inbox';
}

/**
 * The newest notification the reader could see when the page was drawn: the first of page 1 of
 * the list, which is newest first. `mark all read` goes up to it and no further, so what arrives
 * after stays unread. Null for an empty list.
 */
export function newestId(notifications) {
  return notifications.length ? Math.max(...notifications.map((notification) => notification.id)) : null;
}

/**
 * The header link for `count` unread: its `text` ("inbox", "inbox (3)") and, when there are
 * some, its accessible `name` ("inbox, 3 unread"); `name` is null when the text says it all.
 */
export function inboxLabel(count) {
  return count > 0 ? { text: `inbox (${count})`, name: `inbox, ${count} unread` } : { text: 'inbox', name: null };
}

/** The line above the list: "1 unread notification", "3 unread notifications", "Nothing unread." */
export function unreadSummary(count) {
  return count > 0 ? `${plural(count, 'unread notification')}.` : 'Nothing unread.';
}

/**
 * What the page says when the list is empty: nothing at all yet, nothing unread, or (past the
 * last page) nothing on this one. `username` is the reader's, for the mention in the hint.
 */
export function emptyInbox({ unread, total }, username) {
  if (total > 0) return 'Nothing on this page.';
  if (unread) return 'Nothing unread: you have seen everything.';
  return `Nothing yet. When someone replies to your comments, comments on your posts or mentions you as @${username}, it shows up here.`;
}

/** What the account page says once the e-mail setting is saved. */
export function emailSettingSaved(on) {
  return on ? 'Saved: you will be e-mailed when someone replies to or mentions you.' : 'Saved: no e-mails.';
}

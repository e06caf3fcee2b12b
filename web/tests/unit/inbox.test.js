import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  emailSettingSaved, emptyInbox, inboxApiPath, inboxFor, inboxHref, inboxLabel, newestId, notificationHref, notificationText,
  notificationWords, unreadSummary,
} from '../../js/inbox.js';

const notification = (kind, { actor = { id: 2, username: 'alice' }, comment = { id: 9, comment_html: '<p>hi</p>', deleted: false } } = {}) =>
  ({ id: 5, kind, created_at: '2024-03-12T12:00:00Z', read: false, actor, post: { id: 3, title: 'Rust 2.0 is out' }, comment });

test('each kind of notification says who did what on which post', () => {
  assert.equal(notificationText(notification('reply')), 'alice replied to your comment on Rust 2.0 is out');
  assert.equal(notificationText(notification('post_comment')), 'alice commented on your post Rust 2.0 is out');
  assert.equal(notificationText(notification('mention')), 'alice mentioned you in Rust 2.0 is out');
  assert.deepEqual(notificationWords(notification('reply')), { who: 'alice', did: 'replied to your comment on', title: 'Rust 2.0 is out' });
});

test('a notification from a deleted account is from "someone (deleted account)"', () => {
  assert.equal(notificationText(notification('post_comment', { actor: null })), 'someone (deleted account) commented on your post Rust 2.0 is out');
});

test('a kind the page does not know yet still reads as a sentence', () => {
  assert.equal(notificationText(notification('something_new')), 'alice wrote to you on Rust 2.0 is out');
});

test('a notification leads to its comment in the thread, or to the post when it has none', () => {
  assert.equal(notificationHref(notification('reply')), '/post/3#comment-9');
  assert.equal(notificationHref(notification('mention', { comment: null })), '/post/3');
  assert.equal(notificationHref(notification('reply', { comment: { id: 9, comment_html: '', deleted: true } })), '/post/3#comment-9');
});

test('an /inbox URL asks for a page of all notifications, or of the unread ones with ?unread=true', () => {
  assert.deepEqual(inboxFor(''), { page: 1, unread: false });
  assert.deepEqual(inboxFor('?unread=true&page=3'), { page: 3, unread: true });
  assert.deepEqual(inboxFor('?unread=false'), { page: 1, unread: false });
  assert.deepEqual(inboxFor('?unread=yes&page=0'), { page: 1, unread: false });
});

test('the API is asked for 20 a page, unread=true only for the unread filter', () => {
  assert.equal(inboxApiPath({ page: 1, unread: false }), '/api/notifications?page=1&per_page=20');
  assert.equal(inboxApiPath({ page: 2, unread: true }), '/api/notifications?page=2&per_page=20&unread=true');
  assert.equal(inboxApiPath({ page: 1, unread: true }, 1), '/api/notifications?page=1&per_page=1&unread=true');
  assert.equal(inboxHref(false), '/inbox');
  assert.equal(inboxHref(true), '/inbox?unread=true');
});

test('"mark all read" goes up to the newest notification listed, none for an empty list', () => {
  assert.equal(newestId([{ id: 41 }, { id: 40 }, { id: 7 }]), 41);
  assert.equal(newestId([{ id: 3 }, { id: 12 }]), 12);
  assert.equal(newestId([]), null);
});

test('the header link shows the unread count, and its name says what the number is', () => {
  assert.deepEqual(inboxLabel(0), { text: 'inbox', name: null });
  assert.deepEqual(inboxLabel(1), { text: 'inbox (1)', name: 'inbox, 1 unread' });
  assert.deepEqual(inboxLabel(12), { text: 'inbox (12)', name: 'inbox, 12 unread' });
});

test('the line above the list counts the unread ones in words', () => {
  assert.equal(unreadSummary(0), 'Nothing unread.');
  assert.equal(unreadSummary(1), '1 unread notification.');
  assert.equal(unreadSummary(3), '3 unread notifications.');
});

test('an empty list says why: nothing yet, nothing unread, or past the last page', () => {
  assert.match(emptyInbox({ unread: false, total: 0 }, 'bob'), /^Nothing yet\. .*mentions you as @bob,/);
  assert.equal(emptyInbox({ unread: true, total: 0 }, 'bob'), 'Nothing unread: you have seen everything.');
  assert.equal(emptyInbox({ unread: false, total: 25 }, 'bob'), 'Nothing on this page.');
});

test('the e-mail setting says what was saved', () => {
  assert.equal(emailSettingSaved(true), 'Saved: you will be e-mailed when someone replies to or mentions you.');
  assert.equal(emailSettingSaved(false), 'Saved: no e-mails.');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  actionText, BAN_DURATIONS, banText, banUntil, canBan, canFlag, COMMENT_FLAG_REASONS, inviteFromHash, inviteState,
  isAdmin, isModerator, logReason, mayInvite, POST_FLAG_REASONS, reasonLabel, reasonsText, targetHref,
} from '../../js/community.js';

// Dates are shown in the reader's time zone; pin one so the test means the same everywhere.
process.env.TZ = 'America/New_York';

const session = (id, role = 'user') => ({ logged_in: true, user: { id, username: `u${id}`, role } });
const LOGGED_OUT = { logged_in: false, user: null };

test('posts and comments are flagged for the reasons the API takes, shown in words', () => {
  assert.deepEqual(POST_FLAG_REASONS, ['spam', 'off_topic', 'duplicate', 'broken_link', 'abusive']);
  assert.deepEqual(COMMENT_FLAG_REASONS, ['spam', 'off_topic', 'abusive']);
  assert.deepEqual(POST_FLAG_REASONS.map(reasonLabel), ['Spam', 'Off-topic', 'Duplicate', 'Broken link', 'Abusive']);
  assert.equal(reasonLabel('something_new'), 'something_new');
});

test('a queue item\'s reasons are listed most given first, ties in the picker\'s order', () => {
  assert.equal(reasonsText({ spam: 1, abusive: 3, off_topic: 1 }), 'Abusive (3), Spam (1), Off-topic (1)');
  assert.equal(reasonsText({ broken_link: 2 }), 'Broken link (2)');
  assert.equal(reasonsText({ spam: 0 }), '');
  assert.equal(reasonsText(undefined), '');
});

test('moderators and admins moderate; members and visitors do not', () => {
  assert.equal(isModerator(session(1, 'moderator')), true);
  assert.equal(isModerator(session(1, 'admin')), true);
  assert.equal(isModerator(session(1, 'user')), false);
  assert.equal(isModerator(LOGGED_OUT), false);
  assert.equal(isModerator(null), false);
  assert.equal(isAdmin(session(1, 'admin')), true);
  assert.equal(isAdmin(session(1, 'moderator')), false);
  assert.equal(isAdmin(LOGGED_OUT), false);
});

test('a logged-in reader flags what others wrote, never their own', () => {
  assert.equal(canFlag({ id: 2, username: 'bob' }, session(1)), true);
  assert.equal(canFlag({ id: 1, username: 'u1' }, session(1)), false);
  assert.equal(canFlag({ id: 2, username: 'bob' }, LOGGED_OUT), false);
  assert.equal(canFlag(null, session(1)), true);
});

test('moderators ban members, admins ban anyone, and nobody bans themselves', () => {
  const member = { id: 2, role: 'user' };
  const moderator = { id: 3, role: 'moderator' };
  const admin = { id: 4, role: 'admin' };
  assert.equal(canBan(session(1, 'moderator'), member), true);
  assert.equal(canBan(session(1, 'moderator'), moderator), false);
  assert.equal(canBan(session(1, 'moderator'), admin), false);
  assert.equal(canBan(session(1, 'admin'), moderator), true);
  assert.equal(canBan(session(1, 'admin'), admin), true);
  assert.equal(canBan(session(4, 'admin'), admin), false);
  assert.equal(canBan(session(1, 'user'), member), false);
  assert.equal(canBan(LOGGED_OUT, member), false);
  assert.equal(canBan(session(1, 'moderator'), { id: 2 }), true);
});

test('a ban lasts a day, a week or a month from now, or for good', () => {
  const now = new Date('2024-03-05T15:00:00Z');
  assert.deepEqual(BAN_DURATIONS.map((d) => d.label), ['1 day', '7 days', '30 days', 'Permanent']);
  assert.equal(banUntil('1d', now), '2024-03-06T15:00:00.000Z');
  assert.equal(banUntil('7d', now), '2024-03-12T15:00:00.000Z');
  assert.equal(banUntil('30d', now), '2024-04-04T15:00:00.000Z');
  assert.equal(banUntil('permanent', now), null);
  assert.equal(banUntil('forever and a day', now), null);
});

test('a ban reads "Banned until DATE: reason" or "Banned permanently: reason"', () => {
  assert.equal(banText({ reason: 'Spam', at: '2024-03-05T15:00:00Z', until: '2024-03-12T15:00:00Z' }), 'Banned until 03/12/24: Spam');
  assert.equal(banText({ reason: 'Abuse', at: '2024-03-05T15:00:00Z', until: null }), 'Banned permanently: Abuse');
  assert.equal(banText({ reason: '', until: null }), 'Banned permanently');
});

test('every action of the log reads as part of a sentence', () => {
  assert.equal(actionText('remove_post'), 'removed the post');
  assert.equal(actionText('restore_post'), 'restored the post');
  assert.equal(actionText('remove_comment'), 'removed the comment');
  assert.equal(actionText('restore_comment'), 'restored the comment');
  assert.equal(actionText('ban'), 'banned');
  assert.equal(actionText('unban'), 'unbanned');
  assert.equal(actionText('change_role'), 'changed the role of');
  assert.equal(actionText('merge_posts'), 'merge posts');
});

test('a log entry\'s reason is labelled, but a role change is shown as the change', () => {
  assert.equal(logReason({ action: 'remove_post', reason: 'Spam' }), 'Reason: Spam');
  assert.equal(logReason({ action: 'ban', reason: 'Trolling' }), 'Reason: Trolling');
  assert.equal(logReason({ action: 'change_role', reason: 'user → moderator' }), 'user → moderator');
  assert.equal(logReason({ action: 'unban', reason: null }), null);
});

test('a log entry links to the post or the person it was about, and a comment to nothing', () => {
  assert.equal(targetHref({ target_type: 'post', target_id: 7, target_title: 'A title' }), '/post/7');
  assert.equal(targetHref({ target_type: 'user', target_id: 3, target_title: 'ada l' }), '/user/ada%20l');
  assert.equal(targetHref({ target_type: 'comment', target_id: 9, target_title: 'A title' }), null);
  assert.equal(targetHref({ target_type: 'user', target_id: 3, target_title: null }), null);
});

test('an invitation is used, expired or still unused', () => {
  const now = new Date('2024-03-05T15:00:00Z');
  const invite = { created_at: '2024-03-01T00:00:00Z', expires_at: '2024-03-08T00:00:00Z', used_at: null, used_by: null };
  assert.equal(inviteState(invite, now), 'unused');
  assert.equal(inviteState({ ...invite, expires_at: '2024-03-05T15:00:00Z' }, now), 'expired');
  assert.equal(inviteState({ ...invite, used_at: '2024-03-02T00:00:00Z', used_by: { id: 2, username: 'bob' } }, now), 'used');
  assert.equal(inviteState({ ...invite, expires_at: '2024-03-02T00:00:00Z', used_at: '2024-03-01T10:00:00Z' }, now), 'used');
});

test('invitations may be made from the account\'s `allowed_from` on', () => {
  const now = new Date('2024-03-05T15:00:00Z');
  assert.equal(mayInvite('2024-03-05T14:59:59Z', now), true);
  assert.equal(mayInvite('2024-03-05T15:00:00Z', now), true);
  assert.equal(mayInvite('2024-03-12T15:00:00Z', now), false);
  assert.equal(mayInvite(undefined, now), true);
});

test('the code is read from an invitation link\'s fragment', () => {
  assert.equal(inviteFromHash('#invite=abc123'), 'abc123');
  assert.equal(inviteFromHash('#invite=a%2Bb'), 'a+b');
  assert.equal(inviteFromHash('#x=1&invite=xyz'), 'xyz');
  assert.equal(inviteFromHash('#invite='), null);
  assert.equal(inviteFromHash('#token=abc'), null);
  assert.equal(inviteFromHash(''), null);
});

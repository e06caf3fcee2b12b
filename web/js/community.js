// Pure helpers for the community features (DESIGN.md section 15): who moderates, flag reasons,
// the moderation log in words, bans and their durations, invitations. Unit-tested in tests/unit.

import { formatDate } from './format.js';
import { hashParam, userHref } from './urls.js';

/** The reasons a post can be flagged for, as the picker offers them. */
export const POST_FLAG_REASONS = ['spam', 'off_topic', 'duplicate', 'broken_link', 'abusive'];
/** The reasons a comment can be flagged for. */
export const COMMENT_FLAG_REASONS = ['spam', 'off_topic', 'abusive'];

const REASON_LABELS = { spam: 'Spam', off_topic: 'Off-topic', duplicate: 'Duplicate', broken_link: 'Broken link', abusive: 'Abusive' };

/** "Spam", "Off-topic", "Broken link"; an unknown reason as it came. */
export function reasonLabel(reason) {
  return REASON_LABELS[reason] || reason;
}

/** The flag reasons of a queue item, most given first: "Spam (2), Off-topic (1)". */
export function reasonsText(reasons) {
  const order = Object.keys(REASON_LABELS);
  const rank = (reason) => (order.includes(reason) ? order.indexOf(reason) : order.length);
  return Object.entries(reasons || {})
    .filter(([, count]) => count > 0)
    .sort(([a, countA], [b, countB]) => countB - countA || rank(a) - rank(b))
    .map(([reason, count]) => `${reasonLabel(reason)} (${count})`)
    .join(', ');
}

/** The roles, in the order an admin's role picker offers them. */
export const ROLES = ['user', 'moderator', 'admin'];

/** Whether the reader may use the moderation queue, remove, restore and ban. */
export function isModerator(session) {
  const role = session && session.logged_in && session.user ? session.user.role : null;
  return role === 'moderator' || role === 'admin';
}

export function isAdmin(session) {
  return Boolean(session && session.logged_in && session.user && session.user.role === 'admin');
}

/** Whether the reader may flag something `author` wrote: logged in, and not their own. */
export function canFlag(author, session) {
  return Boolean(session && session.logged_in && session.user && !(author && author.id === session.user.id));
}

/**
 * Whether the reader may ban (or unban) `user` (a profile): moderators ban members, admins
 * anyone; nobody themselves.
 */
export function canBan(session, user) {
  if (!isModerator(session) || !user || user.id === session.user.id) return false;
  return isAdmin(session) || (user.role || 'user') === 'user';
}

/** What the ban form's duration picker offers; `days: null` is for good. */
export const BAN_DURATIONS = [
  { value: '1d', label: '1 day', days: 1 },
  { value: '7d', label: '7 days', days: 7 },
  { value: '30d', label: '30 days', days: 30 },
  { value: 'permanent', label: 'Permanent', days: null },
];

/**
 * The `until` a ban of `duration` (a BAN_DURATIONS value) sent at `now` asks for: an RFC 3339
 * string, or null for a permanent ban (and for anything unknown, which is never shorter).
 */
export function banUntil(duration, now = new Date()) {
  const choice = BAN_DURATIONS.find((d) => d.value === duration);
  if (!choice || choice.days === null) return null;
  return new Date(now.getTime() + choice.days * 24 * 60 * 60 * 1000).toISOString();
}

/** A profile's `banned` in words: "Banned until 03/05/24: spam" or "Banned permanently: spam". */
export function banText(banned) {
  const when = banned.until ? `Banned until ${formatDate(banned.until)}` : 'Banned permanently';
  return banned.reason ? `${when}: ${banned.reason}` : when;
}

const ACTIONS = {
  remove_post: 'removed the post',
  restore_post: 'restored the post',
  remove_comment: 'removed the comment',
  restore_comment: 'restored the comment',
  ban: 'banned',
  unban: 'unbanned',
  change_role: 'changed the role of',
};

/** A log entry's `action` as the middle of a sentence: "removed the post", "banned". */
export function actionText(action) {
  return ACTIONS[action] || String(action).replace(/_/g, ' ');
}

/**
 * A log entry's `reason` as shown under it: "Reason: ..." for a removal or a ban; a role
 * change's is the change itself ("user → moderator"). Null when there is none.
 */
export function logReason(entry) {
  if (!entry.reason) return null;
  return entry.action === 'change_role' ? entry.reason : `Reason: ${entry.reason}`;
}

/** Where a log entry's target links to: a post's page, a person's page, or nowhere (a comment, titled by an excerpt). */
export function targetHref(entry) {
  if (entry.target_type === 'post') return `/post/${entry.target_id}`;
  if (entry.target_type === 'user' && entry.target_title) return userHref(entry.target_title);
  return null;
}

/** An invitation's state at `now`: 'used', 'expired' or 'unused'. */
export function inviteState(invite, now = new Date()) {
  if (invite.used_at || invite.used_by) return 'used';
  return new Date(invite.expires_at).getTime() <= now.getTime() ? 'expired' : 'unused';
}

/** Whether an account may create invitations yet (GET /api/invites's `allowed_from`). */
export function mayInvite(allowedFrom, now = new Date()) {
  const from = new Date(allowedFrom).getTime();
  return Number.isNaN(from) || from <= now.getTime();
}

/** The code in an invitation link's fragment (`#invite=...`), or null when there is none. */
export function inviteFromHash(hash) {
  return hashParam(hash, 'invite');
}

// What moderators and admins do from the pages (DESIGN.md section 15): remove a post or comment
// with a reason and restore it, ban someone for a while or for good and lift it; and the marks
// that show what was removed and who is banned.

import { api } from './api.js';
import { BAN_DURATIONS, banText, banUntil } from './community.js';
import { el } from './dom.js';
import { formatDate } from './format.js';
import { field, onSubmit } from './forms.js';

const PATHS = { post: 'posts', comment: 'comments' };

// Forms for the same person or item can be open twice on one page (the queue): ids stay unique.
let forms = 0;
const formId = (name) => `${name}-${forms += 1}`;

const cancelButton = (close) => el('button', { type: 'button', className: 'small secondary', text: 'Cancel', onClick: close });

/** "Removed: reason (03/05/24)", on a post or comment only moderators still see. */
export function removedMark(removed) {
  return el('p', { className: 'removed-mark' },
    el('strong', { text: 'Removed:' }), ' ', removed.reason,
    removed.at ? el('span', { className: 'when', text: ` (${formatDate(removed.at)})` }) : null);
}

/** "Banned until 03/05/24: reason" or "Banned permanently: reason". */
export function bannedMark(banned) {
  return el('p', { className: 'banned-mark', text: banText(banned) });
}

/** Asks why the post or comment `id` goes, removes it, then `done()`; "Cancel" calls `close`. */
export function removeForm(kind, id, { done, close }) {
  const form = el('form', { className: 'inline-form remove-form', novalidate: true },
    field({ label: 'Reason for removing', name: 'reason', id: formId(`remove-${kind}-${id}`), required: true, maxlength: 500, hint: 'Shown in the public moderation log.' }),
    el('div', { className: 'form-buttons' },
      el('button', { type: 'submit', className: 'small danger', text: `Remove ${kind}` }),
      cancelButton(close)));
  onSubmit(form, async ({ reason }) => {
    await api('POST', `/api/moderation/${PATHS[kind]}/${id}/remove`, { reason });
    await done();
  });
  return form;
}

/** "Restore this post?" and, once it is, `done()`. */
export function restoreForm(kind, id, { done, close }) {
  const form = el('form', { className: 'inline-form confirm' },
    el('p', { text: `Restore this ${kind}? Everyone will see it again.` }),
    el('button', { type: 'submit', className: 'small', text: `Restore ${kind}` }),
    cancelButton(close));
  onSubmit(form, async () => {
    await api('POST', `/api/moderation/${PATHS[kind]}/${id}/restore`);
    await done();
  });
  return form;
}

/** A ban's reason and duration fields (names `reason` and `duration`), a week chosen. */
export function banFields() {
  return [
    field({ label: 'Reason', name: 'reason', id: formId('ban-reason'), required: true, maxlength: 500, hint: 'Shown to them when they try to log in, and in the public moderation log.' }),
    field({
      label: 'For how long', name: 'duration', id: formId('ban-duration'),
      options: BAN_DURATIONS.map(({ value, label }) => ({ value, label, selected: value === '7d' })),
    }),
  ];
}

/** Bans `user` (`{id}`) for the `duration` chosen in the form. */
export function ban(user, { reason, duration }) {
  return api('POST', `/api/moderation/users/${user.id}/ban`, { reason, until: banUntil(duration) });
}

export function unban(user) {
  return api('DELETE', `/api/moderation/users/${user.id}/ban`);
}

/** The ban form for `user` (`{id, username}`); `done()` once they are banned. */
export function banForm(user, { done, close }) {
  const form = el('form', { className: 'inline-form ban-form', novalidate: true },
    ...banFields(),
    el('div', { className: 'form-buttons' },
      el('button', { type: 'submit', className: 'small danger', text: `Ban ${user.username}` }),
      close ? cancelButton(close) : null));
  onSubmit(form, async (values) => {
    await ban(user, values);
    await done();
  });
  return form;
}

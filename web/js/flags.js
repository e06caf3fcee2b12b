// The flag picker on posts (listings and the post page) and comments (DESIGN.md section 15): a
// reason, "Flag" (a reader has one flag per item; a new reason replaces the old), "Take back",
// and what happened said beneath it. Moderators find the flags in the queue on /moderation.

import { api } from './api.js';
import { COMMENT_FLAG_REASONS, POST_FLAG_REASONS, reasonLabel } from './community.js';
import { el } from './dom.js';
import { busy, field } from './forms.js';

const REASONS = { post: POST_FLAG_REASONS, comment: COMMENT_FLAG_REASONS };
const PATHS = { post: 'posts', comment: 'comments' };

/** The picker for the post or comment `id` (`kind` 'post' or 'comment'); "Cancel" calls `close`. */
export function flagForm(kind, id, close) {
  const flag = el('button', { type: 'submit', className: 'small', text: 'Flag' });
  const takeBack = el('button', { type: 'button', className: 'small secondary', text: 'Take back' });
  const status = el('p', { className: 'form-status', role: 'status' });
  const form = el('form', { className: 'inline-form flag-form', novalidate: true },
    field({
      label: `Why flag this ${kind}?`, name: 'reason', id: `flag-${kind}-${id}`,
      options: REASONS[kind].map((value) => ({ value, label: reasonLabel(value) })),
    }),
    el('div', { className: 'form-buttons' }, flag, takeBack,
      el('button', { type: 'button', className: 'small secondary', text: 'Cancel', onClick: close })),
    status);
  const path = `/api/${PATHS[kind]}/${id}/flag`;
  const send = (method, body, outcome) => busy(form, async () => {
    status.textContent = '';
    await api(method, path, body);
    status.textContent = outcome;
  }, [flag, takeBack]);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const reason = form.elements.namedItem('reason').value;
    send('PUT', { reason }, `Flagged as ${reasonLabel(reason).toLowerCase()}. Thank you: a moderator will take a look.`);
  });
  takeBack.addEventListener('click', () => send('DELETE', undefined, 'Your flag is taken back.'));
  return form;
}

// Muting people (DESIGN.md section 21): the "Mute" / "Unmute" button on someone's page and the
// "Muted people" list on /account. A muted person's posts leave the reader's listings, and their
// comments come collapsed; they are not told.

import { api } from './api.js';
import { el } from './dom.js';
import { onSubmit, redirectIfLoggedOut } from './forms.js';
import { userHref } from './urls.js';

/** Whether the reader muted the person with id `id`. */
export async function isMuted(id) {
  const { users } = await api('GET', '/api/users/me/muted');
  return users.some((user) => user.id === id);
}

/**
 * "Mute" / "Unmute" for `user` (a toggle, `aria-pressed`), with `status` saying what it means
 * after each change.
 */
export function muteButton(user, muted) {
  const status = el('p', { className: 'form-status', role: 'status' });
  const error = el('span', { className: 'inline-error', role: 'alert' });
  const button = el('button', { type: 'button', className: 'small secondary' });
  const show = () => {
    button.setAttribute('aria-pressed', String(muted));
    button.textContent = muted ? `Unmute ${user.username}` : `Mute ${user.username}`;
  };
  button.addEventListener('click', async () => {
    button.disabled = true;
    error.textContent = '';
    try {
      await api(muted ? 'DELETE' : 'PUT', `/api/users/${encodeURIComponent(user.username)}/mute`);
      muted = !muted;
      show();
      status.textContent = muted
        ? `You muted ${user.username}: their posts are left out of your listings and their comments are collapsed. They are not told.`
        : `${user.username} is no longer muted.`;
    } catch (failure) {
      if (!redirectIfLoggedOut(failure)) error.textContent = failure.message;
    } finally {
      button.disabled = false;
    }
  });
  show();
  return el('div', { className: 'mute-control' }, button, error, status);
}

/** Fills `list` with the people the reader muted, each with "Unmute"; `empty` shows when none. */
export async function showMuted(list, empty) {
  const refresh = async () => {
    const { users } = await api('GET', '/api/users/me/muted');
    list.replaceChildren(...users.map((user) => {
      const form = el('form', { className: 'inline' },
        el('button', { type: 'submit', className: 'small secondary', text: 'Unmute', 'aria-label': `Unmute ${user.username}` }),
        el('p', { className: 'form-error', role: 'alert' }));
      onSubmit(form, async () => {
        await api('DELETE', `/api/users/${encodeURIComponent(user.username)}/mute`);
        await refresh();
      });
      return el('li', { className: 'muted-user' }, el('a', { href: userHref(user.username), text: user.username }), ' ', form);
    }));
    empty.hidden = users.length > 0;
  };
  await refresh();
}

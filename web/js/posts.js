// How a post looks, wherever it is shown.

import { api } from './api.js';
import { canFlag } from './community.js';
import { el, fill, pageMessage } from './dom.js';
import { flagForm } from './flags.js';
import { domainOf, formatDate, idFromPath, plural } from './format.js';
import { formOpeners, redirectIfLoggedOut } from './forms.js';
import { removedMark } from './mod-tools.js';
import { userHref } from './urls.js';

export function postTitle(post, tag = 'h2', id = undefined) {
  const domain = domainOf(post.post_url);
  return el(tag, { id, className: 'post-title' },
    el('a', { href: post.post_url, target: '_blank', rel: 'noopener noreferrer', text: post.title }),
    domain ? el('span', { className: 'domain', text: ` (${domain})` }) : null);
}

/** "N points by USER on DATE | N comments", then ` | ` and each of `actions` (e.g. "flag"). */
export function postMeta(post, ...actions) {
  return el('p', { className: 'post-meta' },
    el('span', { className: 'points', text: plural(post.vote_count, 'point') }),
    ' by ', el('a', { className: 'author', href: userHref(post.author.username), text: post.author.username }),
    ` on ${formatDate(post.created_at)} | `,
    el('a', { href: `/post/${post.id}`, className: 'comment-count', text: plural(post.comment_count, 'comment') }),
    actions.flatMap((action) => [' | ', action]));
}

/** One post in a list: title, domain, meta line, the mark of a removed post, and any extra controls. */
export function postItem(post, ...extra) {
  return el('li', { className: 'post' }, postTitle(post), postMeta(post), post.removed ? removedMark(post.removed) : null, ...extra);
}

/**
 * "save" / "saved": a toggle (`aria-pressed`) that saves the post for the reader or takes it back,
 * described by the post's title. `onChange(saved)` runs after each answered change.
 */
export function saveButton(post, titleId, onChange = () => {}) {
  const button = el('button', { type: 'button', className: 'link-button save', 'aria-describedby': titleId });
  const error = el('span', { className: 'inline-error', role: 'alert' });
  const show = () => {
    button.setAttribute('aria-pressed', String(post.saved));
    button.textContent = post.saved ? 'saved' : 'save';
  };
  button.addEventListener('click', async () => {
    button.disabled = true;
    error.textContent = '';
    try {
      await api(post.saved ? 'DELETE' : 'PUT', `/api/posts/${post.id}/save`);
      post.saved = !post.saved;
      show();
      onChange(post.saved);
    } catch (failure) {
      if (!redirectIfLoggedOut(failure)) error.textContent = failure.message;
    } finally {
      button.disabled = false;
    }
  });
  show();
  return el('span', {}, button, error);
}

/**
 * A post in a listing (front page, someone's page, saved posts): for a logged-in reader "save"
 * on its meta line, and for one reading somebody else's post "flag" too, the picker opening
 * beneath. `onSaved(saved)` runs after the reader saved or unsaved it.
 */
export function listedPost(post, session, onSaved = undefined) {
  if (!session || !session.logged_in) return postItem(post);
  const titleId = `post-${post.id}-title`;
  const actions = [saveButton(post, titleId, onSaved)];
  const panel = el('div', { className: 'flag-panel' });
  if (canFlag(post.author, session)) {
    actions.push(...formOpeners(panel, [{ text: 'flag', open: (close) => flagForm('post', post.id, close) }], { 'aria-describedby': titleId }));
  }
  return el('li', { className: 'post' }, postTitle(post, 'h2', titleId), postMeta(post, ...actions),
    post.removed ? removedMark(post.removed) : null, panel);
}

/** Fetches the post named by the URL; null (after saying so on the page) when there is none. */
export async function loadPost(main, prefix) {
  const id = idFromPath(location.pathname, prefix);
  try {
    if (id === null) throw Object.assign(new Error('Not found'), { status: 404 });
    return await api('GET', `/api/posts/${id}`);
  } catch (error) {
    if (error.status !== 404) throw error;
    fill(main, pageMessage('Post not found', 'It may have been deleted.', { href: '/', text: 'Back to the front page' }));
    return null;
  }
}

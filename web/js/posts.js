// How a post looks, wherever it is shown.

import { api } from './api.js';
import { canFlag } from './community.js';
import { el, fill, pageMessage } from './dom.js';
import { flagForm } from './flags.js';
import { domainOf, exactTime, idFromPath, plural, relativeTime } from './format.js';
import { formOpeners, redirectIfLoggedOut } from './forms.js';
import { removedMark } from './mod-tools.js';
import { tagLinks } from './tags.js';
import { userHref } from './urls.js';

/**
 * The post's title as a `tag` heading (or paragraph): a link post's title opens its link in a new
 * tab, its site beside it; a text post's (`post_url` null) leads to its own page, and on that
 * page (`own`) is no link at all.
 */
export function postTitle(post, tag = 'h2', id = undefined, { own = false } = {}) {
  if (!post.post_url) {
    return el(tag, { id, className: 'post-title' }, own ? post.title : el('a', { href: `/post/${post.id}`, text: post.title }));
  }
  const domain = domainOf(post.post_url);
  return el(tag, { id, className: 'post-title' },
    el('a', { href: post.post_url, target: '_blank', rel: 'noopener noreferrer', text: post.title }),
    domain ? el('span', { className: 'domain', text: ` (${domain})` }) : null);
}

/** When the post was posted, relative to now ("3 hours ago"), the exact time in its `datetime` and title. */
export function postedAt(post) {
  return el('time', { datetime: post.created_at, title: exactTime(post.created_at), text: relativeTime(post.created_at) });
}

/** The post's tags (links to their pages), "N points by USER TIME AGO | N comments", then ` | ` and each of `actions` (e.g. "flag"). */
export function postMeta(post, ...actions) {
  return el('p', { className: 'post-meta' },
    tagLinks(post),
    el('span', { className: 'points', text: plural(post.vote_count, 'point') }),
    ' by ', el('a', { className: 'author', href: userHref(post.author.username), text: post.author.username }),
    ' ', postedAt(post), ' | ',
    el('a', { href: `/post/${post.id}`, className: 'comment-count', text: plural(post.comment_count, 'comment') }),
    actions.flatMap((action) => [' | ', action]));
}

/** One post in a list: title, domain, meta line (with its tags), the mark of a removed post, and any extra controls. */
export function postItem(post, ...extra) {
  return el('li', { className: 'post' }, postTitle(post), postMeta(post), post.removed ? removedMark(post.removed) : null, ...extra);
}

/**
 * A toggle for one of the reader's own marks on a post, described by the post's title: `labels`
 * are its text unmarked and marked, `path` the API's (PUT marks, DELETE unmarks), `key` the
 * post's field that says whether it is marked. `onChange(marked)` runs after each answered change.
 */
function markButton(post, titleId, { labels, path, key, onChange = () => {} }) {
  const button = el('button', { type: 'button', className: `link-button ${key}`, 'aria-describedby': titleId });
  const error = el('span', { className: 'inline-error', role: 'alert' });
  const show = () => {
    button.setAttribute('aria-pressed', String(post[key]));
    button.textContent = post[key] ? labels[1] : labels[0];
  };
  button.addEventListener('click', async () => {
    button.disabled = true;
    error.textContent = '';
    try {
      await api(post[key] ? 'DELETE' : 'PUT', `/api/posts/${post.id}/${path}`);
      post[key] = !post[key];
      show();
      onChange(post[key]);
    } catch (failure) {
      if (!redirectIfLoggedOut(failure)) error.textContent = failure.message;
    } finally {
      button.disabled = false;
    }
  });
  show();
  return el('span', {}, button, error);
}

/** "save" / "saved": saves the post for the reader, or takes it back. */
export function saveButton(post, titleId) {
  return markButton(post, titleId, { labels: ['save', 'saved'], path: 'save', key: 'saved' });
}

/**
 * "hide" / "hidden": leaves the post out of the reader's listings from the next page on, or
 * brings it back; `item` is dimmed meanwhile and `status` says what happened.
 */
function hideButton(post, titleId, item, status) {
  return markButton(post, titleId, {
    labels: ['hide', 'hidden'],
    path: 'hide',
    key: 'hidden',
    onChange: (hidden) => {
      item.classList.toggle('is-hidden', hidden);
      status.textContent = hidden ? 'Hidden from your listings.' : '';
    },
  });
}

/**
 * Makes each click on `button` upvote `post`, or take the upvote back, then show the new count
 * in `points()` (the element where the post's points are) and call `show()`; returns the element
 * where a refusal is said.
 */
export function votesOnClick(post, button, points, show) {
  const error = el('span', { className: 'inline-error', role: 'alert' });
  button.addEventListener('click', async () => {
    button.disabled = true;
    error.textContent = '';
    try {
      const result = await api(post.voted ? 'DELETE' : 'PUT', `/api/posts/${post.id}/vote`);
      post.voted = result.voted;
      post.vote_count = result.vote_count;
      points().textContent = plural(post.vote_count, 'point');
      show();
    } catch (failure) {
      if (!redirectIfLoggedOut(failure)) error.textContent = failure.message;
    } finally {
      button.disabled = false;
    }
  });
  show();
  return error;
}

/**
 * "▲" beside a listed post: upvotes it or takes the upvote back (a toggle, `aria-pressed`),
 * described by the post's title; the line's points follow without a reload.
 */
function listVoteButton(post, titleId, item) {
  const button = el('button', { type: 'button', className: 'list-vote', 'aria-label': 'Upvote', 'aria-describedby': titleId, text: '▲' });
  const show = () => button.setAttribute('aria-pressed', String(post.voted));
  return [button, votesOnClick(post, button, () => item.querySelector('.points'), show)];
}

/**
 * A post in a listing (front page, someone's page, search, saved and hidden posts): for a
 * logged-in reader "▲" beside it and "save" and "hide" on its meta line, and for one reading
 * somebody else's post "flag" too, the picker opening beneath. `hidden` says the post is one the
 * reader hid.
 */
export function listedPost(post, session, { hidden = false } = {}) {
  if (!session || !session.logged_in) return postItem(post);
  const titleId = `post-${post.id}-title`;
  const panel = el('div', { className: 'flag-panel' });
  const status = el('span', { className: 'mark-status', role: 'status' });
  const item = el('li', { className: hidden ? 'post voteable is-hidden' : 'post voteable' });
  const actions = [saveButton(post, titleId), hideButton(Object.assign(post, { hidden }), titleId, item, status)];
  if (canFlag(post.author, session)) {
    actions.push(...formOpeners(panel, [{ text: 'flag', open: (close) => flagForm('post', post.id, close) }], { 'aria-describedby': titleId }));
  }
  const [vote, voteError] = listVoteButton(post, titleId, item);
  item.append(vote, el('div', { className: 'post-body' }, postTitle(post, 'h2', titleId), postMeta(post, ...actions), voteError, status,
    post.removed ? removedMark(post.removed) : null, panel));
  return item;
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

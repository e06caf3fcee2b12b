// How a post looks, wherever it is shown.

import { api } from './api.js';
import { el, fill, pageMessage } from './dom.js';
import { domainOf, formatDate, idFromPath, plural } from './format.js';
import { userHref } from './urls.js';

export function postTitle(post, tag = 'h2') {
  const domain = domainOf(post.post_url);
  return el(tag, { className: 'post-title' },
    el('a', { href: post.post_url, target: '_blank', rel: 'noopener noreferrer', text: post.title }),
    domain ? el('span', { className: 'domain', text: ` (${domain})` }) : null);
}

export function postMeta(post) {
  return el('p', { className: 'post-meta' },
    el('span', { className: 'points', text: plural(post.vote_count, 'point') }),
    ' by ', el('a', { className: 'author', href: userHref(post.author.username), text: post.author.username }),
    ` on ${formatDate(post.created_at)} | `,
    el('a', { href: `/post/${post.id}`, className: 'comment-count', text: plural(post.comment_count, 'comment') }));
}

/** One post in a list: title, domain, meta line, and any extra controls. */
export function postItem(post, ...extra) {
  return el('li', { className: 'post' }, postTitle(post), postMeta(post), ...extra);
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

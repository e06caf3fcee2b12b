// `/user/{username}`: someone's profile (karma, counts, since when), their posts and their
// comments, newest first, each list paged on its own (`?posts_page=`, `?comments_page=`).

import { api } from '../api.js';
import { commentBody, commentDates } from '../comments.js';
import { el, fill, pageMessage, pager } from '../dom.js';
import { formatDate, pageFromSearch, plural } from '../format.js';
import { boot } from '../header.js';
import { postItem } from '../posts.js';
import { commentHref, pageHref, usernameFromPath } from '../urls.js';

const PER_PAGE = 20;

function noSuchUser(main, username) {
  document.title = 'No such user · Just Tech News';
  fill(main, pageMessage('No such user', username ? `Nobody here is called “${username}”.` : null, { href: '/', text: 'Back to the front page' }));
}

/** The user, or null when there is nobody of that name. */
async function loadProfile(username) {
  try {
    return await api('GET', `/api/users/${encodeURIComponent(username)}`);
  } catch (error) {
    if (error.status === 404) return null;
    throw error;
  }
}

function profileCard(user) {
  const facts = [
    ['Karma', plural(user.karma, 'point')],
    ['Posts', plural(user.post_count, 'post')],
    ['Comments', plural(user.comment_count, 'comment')],
    ['Member since', formatDate(user.created_at)],
  ];
  if (user.role && user.role !== 'user') facts.push(['Role', user.role]);
  return el('section', { className: 'card', 'aria-labelledby': 'user-heading' },
    el('h1', { id: 'user-heading', className: 'user-name', text: user.username }),
    el('dl', { className: 'profile' }, facts.flatMap(([term, value]) => [el('dt', { text: term }), el('dd', { text: value })])));
}

function userComment(comment) {
  return el('li', { className: 'comment' },
    el('article', { className: 'comment-body' },
      el('p', { className: 'comment-meta' },
        'on ', el('a', { className: 'comment-post', href: commentHref(comment.post.id, comment.id), text: comment.post.title }),
        commentDates(comment, ' · ')),
      commentBody(comment)));
}

/** A heading, the items (or `emptyText`), and a pager whose links change only `key`. */
function listSection({ id, title, list, items, emptyText, page, total, key }) {
  list.replaceChildren(...items);
  const hrefFor = (n) => pageHref(location.pathname, location.search, key, n);
  return el('section', { className: 'user-section', 'aria-labelledby': id },
    el('h2', { id, text: title }),
    items.length ? list : el('p', { className: 'empty', text: emptyText }),
    pager({ page, total, perPage: PER_PAGE, hrefFor, label: `Pages of ${title.toLowerCase()}` }));
}

boot(async (_session, main) => {
  const username = usernameFromPath(location.pathname);
  const user = username && await loadProfile(username);
  if (!user) {
    noSuchUser(main, username);
    return;
  }
  document.title = `${user.username} · Just Tech News`;
  const postsPage = pageFromSearch(location.search, 'posts_page');
  const commentsPage = pageFromSearch(location.search, 'comments_page');
  const [posts, comments] = await Promise.all([
    api('GET', `/api/posts?user_id=${user.id}&sort=new&page=${postsPage}&per_page=${PER_PAGE}`),
    api('GET', `/api/users/${encodeURIComponent(user.username)}/comments?page=${commentsPage}&per_page=${PER_PAGE}`),
  ]);
  fill(main,
    profileCard(user),
    listSection({
      id: 'posts-heading', title: 'Posts', list: el('ol', { className: 'post-list' }),
      items: posts.posts.map((post) => postItem(post)), emptyText: postsPage > 1 ? 'No posts on this page.' : 'No posts yet.',
      page: postsPage, total: posts.total, key: 'posts_page',
    }),
    listSection({
      id: 'comments-heading', title: 'Comments', list: el('ol', { className: 'comment-list user-comments' }),
      items: comments.comments.map(userComment), emptyText: commentsPage > 1 ? 'No comments on this page.' : 'No comments yet.',
      page: commentsPage, total: comments.total, key: 'comments_page',
    }));
});

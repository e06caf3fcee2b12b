// `/user/{username}`: someone's profile (karma, counts, since when, who invited them, a ban, the
// Atom feed of their posts, also linked in the head for feed readers), their posts and their
// comments, newest first, each list paged on its own (`?posts_page=`, `?comments_page=`).
// Moderators ban and unban from here, and admins change roles; any other logged-in reader can
// mute the person.

import { api } from '../api.js';
import { commentBody, commentDates } from '../comments.js';
import { canBan, isAdmin, ROLES } from '../community.js';
import { el, fill, pageMessage, pager } from '../dom.js';
import { excludedTags } from '../filters.js';
import { formatDate, pageFromSearch, plural } from '../format.js';
import { field, formOpeners, onSubmit } from '../forms.js';
import { boot } from '../header.js';
import { banForm, bannedMark, unban } from '../mod-tools.js';
import { isMuted, muteButton } from '../mutes.js';
import { listedPost } from '../posts.js';
import { commentHref, pageHref, userFeedHref, userHref, usernameFromPath, userPostsApiPath } from '../urls.js';

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

/** The profile; `mute`, when given, is the reader's "Mute" control beneath it. */
function profileCard(user, mute = null) {
  const facts = [
    ['Karma', plural(user.karma, 'point')],
    ['Posts', plural(user.post_count, 'post')],
    ['Comments', plural(user.comment_count, 'comment')],
    ['Member since', formatDate(user.created_at)],
  ];
  if (user.role && user.role !== 'user') facts.push(['Role', user.role]);
  if (user.invited_by) {
    facts.push(['Invited by', el('a', { className: 'author', href: userHref(user.invited_by.username), text: user.invited_by.username })]);
  }
  return el('section', { className: 'card', 'aria-labelledby': 'user-heading' },
    el('h1', { id: 'user-heading', className: 'user-name', tabindex: '-1', text: user.username }),
    user.banned ? bannedMark(user.banned) : null,
    el('dl', { className: 'profile' }, facts.flatMap(([term, value]) => [el('dt', { text: term }), el('dd', {}, value)])),
    el('p', { className: 'feed-link' },
      el('a', { href: userFeedHref(user.username), type: 'application/atom+xml', text: `Atom feed of ${user.username}'s posts` })),
    mute);
}

/**
 * For a moderator: "Ban" (a reason and how long) or "Unban"; for an admin also the role.
 * `changed(message)` redraws the profile after each change and says in `status` what happened.
 */
function moderationCard(user, session, changed, status) {
  const parts = [];
  if (canBan(session, user)) {
    if (user.banned) {
      const form = el('form', { className: 'inline-form' },
        el('button', { type: 'submit', className: 'small', text: 'Unban' }));
      onSubmit(form, async () => {
        await unban(user);
        await changed(`${user.username} is no longer banned.`);
      });
      parts.push(form);
    } else {
      const slot = el('div', { className: 'mod-slot' });
      const done = () => changed(`${user.username} is banned.`);
      parts.push(el('div', { className: 'form-buttons' },
        formOpeners(slot, [{ text: 'Ban', className: 'small danger', open: (close) => banForm(user, { done, close }) }])), slot);
    }
  }
  if (isAdmin(session) && user.id !== session.user.id) {
    const form = el('form', { className: 'role-form', novalidate: true },
      field({ label: 'Role', name: 'role', id: 'role-select', options: ROLES.map((role) => ({ value: role, label: role, selected: role === (user.role || 'user') })) }),
      el('button', { type: 'submit', text: 'Save role' }));
    onSubmit(form, async ({ role }) => {
      await api('PUT', `/api/admin/users/${user.id}/role`, { role });
      await changed(`${user.username}'s role is now ${role}.`);
    });
    parts.push(form);
  }
  if (!parts.length) return null;
  return el('section', { className: 'card mod-tools', 'aria-labelledby': 'mod-tools-heading' },
    el('h2', { id: 'mod-tools-heading', text: 'Moderation' }), ...parts, status);
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

boot(async (session, main) => {
  const username = usernameFromPath(location.pathname);
  let user = username && await loadProfile(username);
  if (!user) {
    noSuchUser(main, username);
    return;
  }
  const top = el('div', { className: 'profile-top' });
  const status = el('p', { className: 'form-status', role: 'status' });
  // Someone else's page, for a logged-in reader: "Mute" / "Unmute".
  const other = session.logged_in && session.user.id !== user.id;
  const mute = other ? muteButton(user, await isMuted(user.id)) : null;
  const drawTop = () => fill(top, profileCard(user, mute), moderationCard(user, session, async (message) => {
    user = await loadProfile(user.username) || user;
    drawTop();
    status.textContent = message;
    document.getElementById('user-heading').focus();
  }, status));
  drawTop();
  document.title = `${user.username} · Just Tech News`;
  document.head.append(el('link', { rel: 'alternate', type: 'application/atom+xml', title: `${user.username}'s posts · Just Tech News`, href: userFeedHref(user.username) }));
  const postsPage = pageFromSearch(location.search, 'posts_page');
  const commentsPage = pageFromSearch(location.search, 'comments_page');
  const [posts, comments] = await Promise.all([
    api('GET', userPostsApiPath(user.id, postsPage, PER_PAGE, excludedTags(session))),
    api('GET', `/api/users/${encodeURIComponent(user.username)}/comments?page=${commentsPage}&per_page=${PER_PAGE}`),
  ]);
  fill(main,
    top,
    listSection({
      id: 'posts-heading', title: 'Posts', list: el('ol', { className: 'post-list' }),
      items: posts.posts.map((post) => listedPost(post, session)), emptyText: postsPage > 1 ? 'No posts on this page.' : 'No posts yet.',
      page: postsPage, total: posts.total, key: 'posts_page',
    }),
    listSection({
      id: 'comments-heading', title: 'Comments', list: el('ol', { className: 'comment-list user-comments' }),
      items: comments.comments.map(userComment), emptyText: commentsPage > 1 ? 'No comments on this page.' : 'No comments yet.',
      page: commentsPage, total: comments.total, key: 'comments_page',
    }));
});

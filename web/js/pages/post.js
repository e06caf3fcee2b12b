// `/post/{id}`: one post (a text post's text below its title) and its comments; for a logged-in
// reader also the upvote button, the comment form and "flag" (on others' posts), and for a
// moderator "remove" or "restore", with a removed post marked as such.

import { api } from '../api.js';
import { commentsSection } from '../comments.js';
import { canFlag, isModerator } from '../community.js';
import { el, fill, serverHtml } from '../dom.js';
import { flagForm } from '../flags.js';
import { formOpeners } from '../forms.js';
import { boot } from '../header.js';
import { removedMark, removeForm, restoreForm } from '../mod-tools.js';
import { loadPost, postMeta, postTitle, saveButton, votesOnClick } from '../posts.js';

function voteButton(post) {
  const button = el('button', { type: 'button', className: 'vote' });
  const show = () => {
    button.setAttribute('aria-pressed', String(post.voted));
    button.replaceChildren(el('span', { 'aria-hidden': 'true', text: '▲ ' }), post.voted ? 'Upvoted' : 'Upvote');
  };
  return [button, votesOnClick(post, button, () => document.querySelector('.post-detail .points'), show)];
}

/** "flag" for somebody else's post, and "remove" or "restore" for a moderator; forms open in `slot`. */
function postActions(post, session, slot, redraw) {
  const items = [];
  if (canFlag(post.author, session) && !post.removed) {
    items.push({ text: 'flag', className: 'link-button', open: (close) => flagForm('post', post.id, close) });
  }
  if (isModerator(session)) {
    const done = redraw;
    items.push(post.removed
      ? { text: 'restore', className: 'link-button', open: (close) => restoreForm('post', post.id, { done, close }) }
      : { text: 'remove', className: 'link-button danger-link', open: (close) => removeForm('post', post.id, { done, close }) });
  }
  return formOpeners(slot, items, { 'aria-describedby': 'post-title' });
}

boot(async (session, main) => {
  const post = await loadPost(main, '/post/');
  if (!post) return;
  const draw = () => {
    document.title = `${post.title} · Just Tech News`;
    const slot = el('div', { className: 'post-slot' });
    /** Fetches the post again (a moderator still can once it is removed) and redraws the page. */
    const redraw = async () => {
      Object.assign(post, await api('GET', `/api/posts/${post.id}`));
      draw();
      document.getElementById('post-title').focus();
    };
    const actions = postActions(post, session, slot, redraw);
    const title = postTitle(post, 'h1', 'post-title', { own: true });
    title.tabIndex = -1;
    fill(main,
      el('article', { className: 'post-detail card' },
        title, postMeta(post),
        post.text_html ? el('div', { className: 'post-text' }, serverHtml(post.text_html)) : null,
        post.removed ? removedMark(post.removed) : null,
        session.logged_in ? el('div', { className: 'vote-row' }, voteButton(post), el('div', { className: 'post-actions' }, saveButton(post, 'post-title'), ...actions)) : null,
        slot),
      commentsSection(post, session));
  };
  draw();
  // A link to one comment (from someone's page) lands on it, marked, once the thread is drawn
  // (too late for the browser's own scrolling and :target).
  const target = location.hash.startsWith('#comment-') && document.getElementById(location.hash.slice(1));
  if (target) {
    target.classList.add('linked');
    target.scrollIntoView();
  }
});

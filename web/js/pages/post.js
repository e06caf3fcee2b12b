// `/post/{id}`: one post (a text post's text below its title) and its comments; for a logged-in
// reader also the upvote button, the comment form, "save", "mute thread" and "flag" (on others'
// posts), and for a moderator "remove" or "restore", with a removed post marked as such.
// `#comment-{id}` (from the inbox or someone's page) lands on that comment, marked.

import { api } from '../api.js';
import { commentsSection } from '../comments.js';
import { canFlag, isModerator } from '../community.js';
import { el, fill, serverHtml } from '../dom.js';
import { flagForm } from '../flags.js';
import { formOpeners, redirectIfLoggedOut } from '../forms.js';
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

const MUTED = 'You won\'t be notified of new comments here.';
const UNMUTED = 'You will be notified of replies and mentions here again.';

/**
 * "mute thread" / "unmute thread" (DESIGN.md section 20): no notifications from this post and
 * its comments while muted, which `status` says beneath.
 */
function muteThreadButton(post, status) {
  const button = el('button', { type: 'button', className: 'link-button mute-thread', 'aria-describedby': 'post-title' });
  const error = el('span', { className: 'inline-error', role: 'alert' });
  const show = () => {
    button.textContent = post.muted ? 'unmute thread' : 'mute thread';
  };
  button.addEventListener('click', async () => {
    button.disabled = true;
    error.textContent = '';
    try {
      await api(post.muted ? 'DELETE' : 'PUT', `/api/posts/${post.id}/mute`);
      post.muted = !post.muted;
      show();
      status.textContent = post.muted ? MUTED : UNMUTED;
    } catch (failure) {
      if (!redirectIfLoggedOut(failure)) error.textContent = failure.message;
    } finally {
      button.disabled = false;
    }
  });
  show();
  status.textContent = post.muted ? MUTED : '';
  return el('span', {}, button, error);
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
    const muteStatus = el('p', { className: 'mark-status', role: 'status' });
    fill(main,
      el('article', { className: 'post-detail card' },
        title, postMeta(post),
        post.text_html ? el('div', { className: 'post-text' }, serverHtml(post.text_html)) : null,
        post.removed ? removedMark(post.removed) : null,
        session.logged_in ? [
          el('div', { className: 'vote-row' }, voteButton(post),
            el('div', { className: 'post-actions' }, saveButton(post, 'post-title'), muteThreadButton(post, muteStatus), ...actions)),
          muteStatus,
        ] : null,
        slot),
      commentsSection(post, session));
  };
  draw();
  // A link to one comment (from the inbox or someone's page) lands on it, marked and focused, once
  // the thread is drawn (too late for the browser's own scrolling and :target).
  const target = location.hash.startsWith('#comment-') && document.getElementById(location.hash.slice(1));
  if (target) {
    target.classList.add('linked');
    target.scrollIntoView();
    target.focus({ preventScroll: true });
  }
});

// `/post/{id}`: one post and its comments; for a logged-in reader also the upvote button
// and the comment form.

import { api } from '../api.js';
import { commentsSection } from '../comments.js';
import { el, fill } from '../dom.js';
import { plural } from '../format.js';
import { redirectIfLoggedOut } from '../forms.js';
import { boot } from '../header.js';
import { loadPost, postMeta, postTitle } from '../posts.js';

function voteButton(post) {
  const error = el('span', { className: 'inline-error', role: 'alert' });
  const button = el('button', { type: 'button', className: 'vote' });
  const show = () => {
    button.setAttribute('aria-pressed', String(post.voted));
    button.replaceChildren(el('span', { 'aria-hidden': 'true', text: '▲ ' }), post.voted ? 'Upvoted' : 'Upvote');
  };
  button.addEventListener('click', async () => {
    button.disabled = true;
    error.textContent = '';
    try {
      const result = await api(post.voted ? 'DELETE' : 'PUT', `/api/posts/${post.id}/vote`);
      post.voted = result.voted;
      post.vote_count = result.vote_count;
      document.querySelector('.post-detail .points').textContent = plural(post.vote_count, 'point');
      show();
    } catch (failure) {
      if (!redirectIfLoggedOut(failure)) error.textContent = failure.message;
    } finally {
      button.disabled = false;
    }
  });
  show();
  return el('div', { className: 'vote-row' }, button, error);
}

boot(async (session, main) => {
  const post = await loadPost(main, '/post/');
  if (!post) return;
  document.title = `${post.title} · Just Tech News`;
  fill(main,
    el('article', { className: 'post-detail card' },
      postTitle(post, 'h1'), postMeta(post), session.logged_in ? voteButton(post) : null),
    commentsSection(post, session));
  // A link to one comment (from someone's page) lands on it, marked, once the thread is drawn
  // (too late for the browser's own scrolling and :target).
  const target = location.hash.startsWith('#comment-') && document.getElementById(location.hash.slice(1));
  if (target) {
    target.classList.add('linked');
    target.scrollIntoView();
  }
});

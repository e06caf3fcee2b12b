// `/dashboard/edit/{id}`: change your post's title, delete it (after a second confirmation
// click), or comment on it. Somebody else's post → back to the dashboard.

import { api } from '../api.js';
import { commentsSection } from '../comments.js';
import { el, fill } from '../dom.js';
import { busy, field, onSubmit } from '../forms.js';
import { boot } from '../header.js';
import { loadPost, postMeta, postTitle } from '../posts.js';

function titleForm(post, summary) {
  const form = el('form', { className: 'card', novalidate: true, 'aria-labelledby': 'edit-heading' },
    el('h2', { id: 'edit-heading', text: 'Edit title' }),
    field({ label: 'Title', name: 'title', id: 'edit-title', value: post.title, required: true, maxlength: 200 }),
    el('button', { type: 'submit', text: 'Save title' }),
    el('p', { className: 'form-status', role: 'status' }));
  const status = form.querySelector('.form-status');
  onSubmit(form, async ({ title }) => {
    status.textContent = '';
    const updated = await api('PUT', `/api/posts/${post.id}`, { title });
    Object.assign(post, updated);
    summary.replaceChildren(postTitle(post, 'p'), postMeta(post));
    status.textContent = 'Saved.';
  });
  return form;
}

function deleteForm(post) {
  const start = el('button', { type: 'button', className: 'danger', text: 'Delete post' });
  const yes = el('button', { type: 'submit', className: 'danger', text: 'Yes, delete it' });
  const no = el('button', { type: 'button', className: 'secondary', text: 'No, keep it' });
  const confirm = el('div', { className: 'confirm', hidden: true },
    el('p', { id: 'delete-question', text: 'Are you sure? The post and its comments will be gone for good.' }), yes, no);
  const form = el('form', { className: 'card danger-zone', 'aria-labelledby': 'delete-heading' },
    el('h2', { id: 'delete-heading', text: 'Delete post' }), start, confirm);
  const ask = (asking) => {
    start.hidden = asking;
    confirm.hidden = !asking;
    (asking ? no : start).focus();
  };
  start.addEventListener('click', () => ask(true));
  no.addEventListener('click', () => ask(false));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(form, async () => {
      await api('DELETE', `/api/posts/${post.id}`);
      location.assign('/dashboard');
    }, [yes, no]);
  });
  return form;
}

boot(async (session, main) => {
  if (!session.logged_in) {
    location.replace('/login');
    return;
  }
  const post = await loadPost(main, '/dashboard/edit/');
  if (!post) return;
  if (post.author.id !== session.user.id) {
    location.replace('/dashboard');
    return;
  }
  document.title = `Edit: ${post.title} · Just Tech News`;
  const summary = el('div', { className: 'post-detail' }, postTitle(post, 'p'), postMeta(post));
  fill(main,
    el('p', { className: 'back' }, el('a', { href: '/dashboard', text: '← Back to dashboard' })),
    el('h1', { text: 'Edit post' }),
    summary,
    titleForm(post, summary),
    deleteForm(post),
    commentsSection(post, session));
});

// `/dashboard/edit/{id}`: change your post's title, text and tags, delete it (after a second
// confirmation click), or comment on it. Somebody else's post → back to the dashboard.

import { api } from '../api.js';
import { commentsSection, MARKDOWN_HINT } from '../comments.js';
import { el, fill } from '../dom.js';
import { busy, confirmStep, field, onSubmit } from '../forms.js';
import { boot } from '../header.js';
import { loadPost, postMeta, postTitle } from '../posts.js';
import { allTags, MAX_POST_TAGS, tagFieldset, tickedTags } from '../tags.js';

function postForm(post, tags, summary) {
  const form = el('form', { className: 'card', novalidate: true, 'aria-labelledby': 'edit-heading' },
    el('h2', { id: 'edit-heading', text: 'Title, text and tags' }),
    field({ label: 'Title', name: 'title', id: 'edit-title', value: post.title, required: true, maxlength: 200 }),
    field({ label: 'Text', name: 'text', id: 'edit-text', textarea: true, rows: 8, maxlength: 10000, hint: MARKDOWN_HINT, text: post.text }),
    tagFieldset({ legend: 'Tags', hint: `Up to ${MAX_POST_TAGS}.`, tags, chosen: post.tags, name: 'tags', idPrefix: 'edit-tag', max: MAX_POST_TAGS }),
    el('button', { type: 'submit', text: 'Save changes' }),
    el('p', { className: 'form-status', role: 'status' }));
  const status = form.querySelector('.form-status');
  onSubmit(form, async ({ title, text }) => {
    status.textContent = '';
    const body = { title, tags: tickedTags(form, 'tags') };
    // The text is sent only when it changed: absent keeps it. (Emptied, it is sent empty, for the
    // API to say why it cannot be.)
    if (text !== (post.text || '')) body.text = text;
    const updated = await api('PUT', `/api/posts/${post.id}`, body);
    if ('text' in body) post.text = body.text;
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
  confirmStep(start, confirm, no);
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
  const tags = await allTags();
  document.title = `Edit: ${post.title} · Just Tech News`;
  const summary = el('div', { className: 'post-detail' }, postTitle(post, 'p'), postMeta(post));
  fill(main,
    el('p', { className: 'back' }, el('a', { href: '/dashboard', text: '← Back to dashboard' })),
    el('h1', { text: 'Edit post' }),
    summary,
    postForm(post, tags, summary),
    deleteForm(post),
    commentsSection(post, session));
});

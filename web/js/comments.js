// The comments section of a post (post page and edit page): the list, oldest first,
// and for a logged-in reader a form that adds to it.

import { api } from './api.js';
import { el } from './dom.js';
import { field, onSubmit } from './forms.js';
import { plural } from './format.js';
import { commentItem } from './posts.js';

export function commentsSection(post, session) {
  const list = el('ol', { className: 'comment-list' }, post.comments.map(commentItem));
  const empty = el('p', { className: 'empty', text: 'No comments yet.', hidden: post.comments.length > 0 });
  const section = el('section', { className: 'comments', 'aria-labelledby': 'comments-heading' },
    el('h2', { id: 'comments-heading', text: 'Comments' }), empty, list);
  if (session.logged_in) section.append(commentForm(post, list, empty));
  return section;
}

function commentForm(post, list, empty) {
  const form = el('form', { className: 'card comment-form', novalidate: true },
    field({ label: 'Add a comment', name: 'comment_text', id: 'comment-text', textarea: true, required: true, maxlength: 2000 }),
    el('button', { type: 'submit', text: 'Post comment' }));
  onSubmit(form, async ({ comment_text }) => {
    const comment = await api('POST', '/api/comments', { post_id: post.id, comment_text });
    list.append(commentItem(comment));
    empty.hidden = true;
    post.comment_count += 1;
    for (const count of document.querySelectorAll(`a.comment-count[href="/post/${post.id}"]`)) {
      count.textContent = plural(post.comment_count, 'comment');
    }
    form.reset();
  });
  return form;
}

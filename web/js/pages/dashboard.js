// `/dashboard`: your posts, each with an "Edit post" link, and the "Create New Post" form.

import { api } from '../api.js';
import { el } from '../dom.js';
import { onSubmit } from '../forms.js';
import { boot } from '../header.js';
import { postItem } from '../posts.js';

const mine = (post) =>
  postItem(post, el('a', { className: 'button small', href: `/dashboard/edit/${post.id}`, text: 'Edit post' }));

boot(async (session) => {
  if (!session.logged_in) {
    location.replace('/login');
    return;
  }
  const { posts } = await api('GET', `/api/posts?user_id=${session.user.id}&per_page=100`);
  const list = document.getElementById('post-list');
  const empty = document.getElementById('empty');
  list.replaceChildren(...posts.map(mine));
  empty.hidden = posts.length > 0;
  document.getElementById('dashboard').hidden = false;

  const form = document.getElementById('create-form');
  onSubmit(form, async ({ title, post_url }) => {
    const post = await api('POST', '/api/posts', { title, post_url });
    list.prepend(mine(post));
    empty.hidden = true;
    form.reset();
  });
});

// `/`: the newest posts, 20 to a page, with Prev / Next.

import { api } from '../api.js';
import { boot } from '../header.js';
import { pageFromSearch } from '../format.js';
import { postItem } from '../posts.js';

const PER_PAGE = 20;

boot(async () => {
  const page = pageFromSearch(location.search);
  const { posts, total } = await api('GET', `/api/posts?page=${page}&per_page=${PER_PAGE}`);
  const list = document.getElementById('post-list');
  list.start = (page - 1) * PER_PAGE + 1;
  list.replaceChildren(...posts.map((post) => postItem(post)));
  const empty = document.getElementById('empty');
  empty.hidden = posts.length > 0;
  if (page > 1) empty.replaceChildren('There are no posts on this page. ', Object.assign(document.createElement('a'), { href: '/', textContent: 'Back to the newest posts' }));

  const pages = Math.max(1, Math.ceil(total / PER_PAGE));
  const prev = document.getElementById('prev');
  const next = document.getElementById('next');
  prev.href = page > 2 ? `/?page=${page - 1}` : '/';
  prev.hidden = page <= 1;
  next.href = `/?page=${page + 1}`;
  next.hidden = page >= pages;
  document.getElementById('page-number').textContent = `Page ${page} of ${pages}`;
  document.getElementById('pager').hidden = pages <= 1 && page <= 1;
});

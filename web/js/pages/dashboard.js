// `/dashboard`: your posts, each with an "Edit post" link, and the "Create New Post" form: a
// link, a Markdown text or both, and up to three tags (a link posted lately is refused with a
// link to where it is discussed; too many posts in a while, with the API's message).

import { api } from '../api.js';
import { el, fill } from '../dom.js';
import { alertFor, onSubmit } from '../forms.js';
import { boot } from '../header.js';
import { postItem } from '../posts.js';
import { allTags, MAX_POST_TAGS, tagFieldset, tickedTags } from '../tags.js';

/** The link was posted lately: say so where errors go, with a link to that post's discussion. */
function alreadyPosted(form, postId) {
  fill(alertFor(form), 'Already posted: ', el('a', { href: `/post/${postId}`, text: 'see the discussion there' }), '.');
  const url = form.elements.namedItem('post_url');
  url.setAttribute('aria-invalid', 'true');
  url.focus();
}

const mine = (post) =>
  postItem(post, el('a', { className: 'button small', href: `/dashboard/edit/${post.id}`, text: 'Edit post' }));

boot(async (session) => {
  if (!session.logged_in) {
    location.replace('/login');
    return;
  }
  const [{ posts }, tags] = await Promise.all([api('GET', `/api/posts?user_id=${session.user.id}&per_page=100`), allTags()]);
  const list = document.getElementById('post-list');
  const empty = document.getElementById('empty');
  list.replaceChildren(...posts.map(mine));
  empty.hidden = posts.length > 0;
  document.getElementById('dashboard').hidden = false;

  const form = document.getElementById('create-form');
  // Drawn afresh after each post: resetting the form unticks the boxes but would leave the
  // others disabled once three were ticked.
  const drawTags = () => fill(document.getElementById('create-tags'),
    tagFieldset({ legend: 'Tags', hint: `Up to ${MAX_POST_TAGS}.`, tags, name: 'tags', idPrefix: 'post-tag', max: MAX_POST_TAGS }));
  drawTags();
  onSubmit(form, async ({ title, post_url, text }) => {
    // An empty URL or text is left out rather than sent: either may be, not both.
    const body = { title, tags: tickedTags(form, 'tags') };
    if (post_url.trim()) body.post_url = post_url;
    if (text.trim()) body.text = text;
    let post;
    try {
      post = await api('POST', '/api/posts', body);
    } catch (error) {
      if (error.code !== 'already_posted' || !error.details.post_id) throw error;
      alreadyPosted(form, error.details.post_id);
      return;
    }
    list.prepend(mine(post));
    empty.hidden = true;
    form.reset();
    drawTags();
  });
});

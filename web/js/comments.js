// The comments section of a post (post page and edit page): the thread, replies nested under
// what they answer, and for a logged-in reader the forms that add to it, edit or delete their
// own comments and flag others'; moderators also remove and restore them. After every change the
// post is fetched again and the thread redrawn from it, so what is shown is what the server has.

import { api } from './api.js';
import { canFlag, isModerator } from './community.js';
import { el, serverHtml } from './dom.js';
import { flagForm } from './flags.js';
import { field, formOpeners, onSubmit } from './forms.js';
import { formatDate, plural } from './format.js';
import { removedMark, removeForm, restoreForm } from './mod-tools.js';
import { canReply, depthClass, isOwn, nestComments } from './thread.js';
import { userHref } from './urls.js';

export const MARKDOWN_HINT = 'Markdown works: *italic*, **bold**, `code`, > quotes, lists and links.';

/** " on 01/02/24" (or `lead` and the date), and " · edited" once it has been. */
export function commentDates(comment, lead = ' on ') {
  return [
    `${lead}${formatDate(comment.created_at)}`,
    comment.updated_at ? el('span', { className: 'edited', title: `edited on ${formatDate(comment.updated_at)}`, text: ' · edited' }) : null,
  ];
}

/** The comment's text as the server rendered it, or "[deleted]" for a placeholder. */
export function commentBody(comment) {
  return comment.deleted
    ? el('p', { className: 'comment-deleted', text: '[deleted]' })
    : el('div', { className: 'comment-html' }, serverHtml(comment.comment_html));
}

function commentMeta(comment, id) {
  if (comment.deleted) return el('p', { id, className: 'comment-meta comment-deleted', text: '[deleted]' });
  const author = comment.author
    ? el('a', { className: 'author', href: userHref(comment.author.username), text: comment.author.username })
    : 'someone';
  return el('p', { id, className: 'comment-meta' }, author, commentDates(comment));
}

function cancelButton(close, text = 'Cancel') {
  return el('button', { type: 'button', className: 'small secondary', text, onClick: close });
}

function replyForm(comment, thread) {
  const id = `reply-text-${comment.id}`;
  const form = el('form', { className: 'inline-form', novalidate: true },
    field({ label: `Reply to ${comment.author ? comment.author.username : 'this comment'}`, name: 'comment_text', id, textarea: true, required: true, maxlength: 2000, hint: MARKDOWN_HINT }),
    el('div', { className: 'form-buttons' }, el('button', { type: 'submit', className: 'small', text: 'Post reply' }), cancelButton(thread.close)));
  onSubmit(form, async ({ comment_text }) => {
    const reply = await api('POST', '/api/comments', { post_id: comment.post_id, comment_text, parent_id: comment.id });
    await thread.reload(reply.id);
  });
  return form;
}

function editForm(comment, thread) {
  const id = `edit-text-${comment.id}`;
  const form = el('form', { className: 'inline-form', novalidate: true },
    field({ label: 'Edit your comment', name: 'comment_text', id, textarea: true, required: true, maxlength: 2000, hint: MARKDOWN_HINT, text: comment.comment_text }),
    el('div', { className: 'form-buttons' }, el('button', { type: 'submit', className: 'small', text: 'Save' }), cancelButton(thread.close)));
  onSubmit(form, async ({ comment_text }) => {
    await api('PUT', `/api/comments/${comment.id}`, { comment_text });
    await thread.reload(comment.id);
  });
  return form;
}

function deleteForm(comment, thread) {
  const form = el('form', { className: 'inline-form confirm' },
    el('p', { text: 'Delete this comment? Replies to it stay.' }),
    el('button', { type: 'submit', className: 'small danger', text: 'Yes, delete it' }),
    cancelButton(thread.close, 'No, keep it'));
  onSubmit(form, async () => {
    await api('DELETE', `/api/comments/${comment.id}`);
    await thread.reload(comment.id);
  });
  return form;
}

/**
 * "reply" (not on a placeholder, nor at the deepest level), for the author "edit" and "delete",
 * for anyone else "flag", and for a moderator "remove" or "restore"; each opens its form in
 * `slot`, one at a time.
 */
function commentActions(comment, session, slot, metaId, reload) {
  if (!session.logged_in || comment.deleted) return null;
  const items = [];
  const action = (text, makeForm, className = '') =>
    items.push({ text, className: `link-button ${className}`.trim(), open: (close) => makeForm(comment, { close, reload }) });
  if (canReply(comment)) action('reply', replyForm);
  if (isOwn(comment, session)) {
    action('edit', editForm);
    action('delete', deleteForm, 'danger-link');
  } else if (canFlag(comment.author, session) && !comment.removed) {
    action('flag', (c, { close }) => flagForm('comment', c.id, close));
  }
  if (isModerator(session)) {
    const done = () => reload(comment.id);
    if (comment.removed) action('restore', (c, { close }) => restoreForm('comment', c.id, { done, close }));
    else action('remove', (c, { close }) => removeForm('comment', c.id, { done, close }), 'danger-link');
  }
  const buttons = formOpeners(slot, items, { 'aria-describedby': metaId });
  return buttons.length ? el('div', { className: 'comment-actions' }, buttons) : null;
}

/**
 * The text of a comment by someone the reader muted: hidden behind "show comment" (a disclosure
 * button, `aria-expanded`), with the text after it.
 */
function collapsed(text, metaId) {
  text.hidden = true;
  text.id = `${metaId}-text`;
  const toggle = el('button', { type: 'button', className: 'link-button', 'aria-expanded': 'false', 'aria-controls': text.id, 'aria-describedby': metaId, text: 'show comment' });
  toggle.addEventListener('click', () => {
    text.hidden = !text.hidden;
    toggle.setAttribute('aria-expanded', String(!text.hidden));
    toggle.textContent = text.hidden ? 'show comment' : 'collapse';
  });
  return [el('p', { className: 'muted-note' }, 'You muted this person. ', toggle), text];
}

/** The thread as nested lists, backgrounds alternating in reading order. */
function threadItems(comments, session, reload) {
  let shown = 0;
  const item = ({ comment, replies }) => {
    const metaId = `comment-${comment.id}-meta`;
    const slot = el('div', { className: 'comment-slot' });
    const alt = shown % 2 === 0;
    shown += 1;
    const text = comment.deleted ? null : commentBody(comment);
    const body = el('article', { id: `comment-${comment.id}`, className: alt ? 'comment-body alt' : 'comment-body', tabindex: '-1', 'aria-labelledby': metaId },
      commentMeta(comment, metaId), comment.removed ? removedMark(comment.removed) : null,
      comment.muted_author && text ? collapsed(text, metaId) : text, commentActions(comment, session, slot, metaId, reload), slot);
    return el('li', { className: `comment ${depthClass(comment.depth)}` }, body,
      replies.length ? el('ol', { className: 'replies' }, replies.map(item)) : null);
  };
  return nestComments(comments).map(item);
}

export function commentsSection(post, session) {
  const heading = el('h2', { id: 'comments-heading', tabindex: '-1', text: 'Comments' });
  const list = el('ol', { className: 'comment-list' });
  const empty = el('p', { className: 'empty', text: 'No comments yet.' });
  const draw = () => {
    list.replaceChildren(...threadItems(post.comments, session, reload));
    empty.hidden = post.comments.length > 0;
    for (const count of document.querySelectorAll(`a.comment-count[href="/post/${post.id}"]`)) {
      count.textContent = plural(post.comment_count, 'comment');
    }
  };
  /** Fetches the post again and redraws the thread; focus goes to comment `focusId` if it is still there. */
  async function reload(focusId) {
    Object.assign(post, await api('GET', `/api/posts/${post.id}`));
    draw();
    if (focusId === undefined) return;
    (document.getElementById(`comment-${focusId}`) || heading).focus();
  }
  draw();
  const section = el('section', { className: 'comments', 'aria-labelledby': 'comments-heading' }, heading, empty, list);
  if (session.logged_in) section.append(commentForm(post, reload));
  return section;
}

function commentForm(post, reload) {
  const form = el('form', { className: 'card comment-form', novalidate: true },
    field({ label: 'Add a comment', name: 'comment_text', id: 'comment-text', textarea: true, required: true, maxlength: 2000, hint: MARKDOWN_HINT }),
    el('button', { type: 'submit', text: 'Post comment' }));
  onSubmit(form, async ({ comment_text }) => {
    await api('POST', '/api/comments', { post_id: post.id, comment_text });
    await reload();
    form.reset();
  });
  return form;
}

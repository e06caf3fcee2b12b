// Tags (DESIGN.md section 21): the links to their pages on every post, and the checkboxes that
// choose a post's tags (at most three) or the tags a reader filters out.

import { api } from './api.js';
import { el } from './dom.js';
import { tagHref } from './urls.js';

/** How many tags a post may have. */
export const MAX_POST_TAGS = 3;

/** Every tag there is, `[{name, description, post_count}]` by name. */
export async function allTags() {
  const { tags } = await api('GET', '/api/tags');
  return tags;
}

/** A post's tags, each a link to its page; null when it has none. */
export function tagLinks(post) {
  if (!post.tags || !post.tags.length) return null;
  return el('span', { className: 'tags' },
    el('span', { className: 'visually-hidden', text: 'Tags: ' }),
    post.tags.map((name) => el('a', { className: 'tag', href: tagHref(name), text: name })));
}

/**
 * A fieldset of checkboxes named `name`, one a tag (its description beside it), those named in
 * `chosen` ticked. With `max`, once that many are ticked the others are disabled until one is
 * unticked, so the form cannot ask for more than the API takes. Null when there are no tags.
 */
export function tagFieldset({ legend, hint, tags, chosen = [], name, idPrefix, max = null }) {
  if (!tags.length) return null;
  const hintId = hint ? `${idPrefix}-hint` : undefined;
  const boxes = [];
  const limit = () => {
    if (max === null) return;
    const full = boxes.filter((box) => box.checked).length >= max;
    for (const box of boxes) box.disabled = full && !box.checked;
  };
  const choices = tags.map((tag, index) => {
    const id = `${idPrefix}-${index}`;
    const described = tag.description ? `${id}-description` : undefined;
    const box = el('input', { type: 'checkbox', id, name, value: tag.name, checked: chosen.includes(tag.name), 'aria-describedby': described, onChange: limit });
    boxes.push(box);
    return el('li', { className: 'tag-choice' }, box,
      el('label', { for: id, text: tag.name }),
      described ? el('span', { id: described, className: 'tag-description', text: tag.description }) : null);
  });
  limit();
  return el('fieldset', { className: 'tag-fieldset', 'aria-describedby': hintId },
    el('legend', { text: legend }),
    hint ? el('p', { id: hintId, className: 'hint', text: hint }) : null,
    el('ul', { className: 'tag-choices' }, choices));
}

/** The tags ticked in `form`'s checkboxes named `name`. */
export function tickedTags(form, name) {
  return new FormData(form).getAll(name);
}

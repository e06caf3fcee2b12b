// The admins' "Tags" section on /moderation (DESIGN.md section 21): a form for a new tag, then
// every tag with its number of posts, its description to change, and "Delete" (after a second
// confirmation click, since the tag comes off every post that has it).

import { api } from './api.js';
import { el, fill } from './dom.js';
import { busy, clearError, confirmStep, field, onSubmit } from './forms.js';
import { plural } from './format.js';
import { allTags } from './tags.js';
import { tagHref } from './urls.js';

function deleteControl(tag, refresh) {
  const start = el('button', { type: 'button', className: 'small danger', text: 'Delete', 'aria-label': `Delete ${tag.name}` });
  const yes = el('button', { type: 'submit', className: 'small danger', text: 'Yes, delete it' });
  const no = el('button', { type: 'button', className: 'small secondary', text: 'No, keep it' });
  const confirm = el('div', { className: 'confirm', hidden: true },
    el('p', { text: `Delete ${tag.name}? It comes off ${plural(tag.post_count, 'post')}.` }), yes, no);
  const form = el('form', { className: 'inline-form' }, start, confirm);
  confirmStep(start, confirm, no);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(form, async () => {
      await api('DELETE', `/api/tags/${encodeURIComponent(tag.name)}`);
      await refresh(`Tag ${tag.name} deleted.`);
    }, [yes, no]);
  });
  return form;
}

function tagRow(tag, refresh) {
  const id = `tag-admin-${tag.name}`;
  const edit = el('form', { className: 'inline-form tag-edit', novalidate: true },
    field({ label: `Description of ${tag.name}`, name: 'description', id: `${id}-description`, value: tag.description, maxlength: 200 }),
    el('button', { type: 'submit', className: 'small', text: 'Save', 'aria-label': `Save the description of ${tag.name}` }));
  onSubmit(edit, async ({ description }) => {
    await api('PUT', `/api/tags/${encodeURIComponent(tag.name)}`, { description });
    await refresh(`The description of ${tag.name} is saved.`);
  });
  return el('li', { className: 'tag-admin-item' },
    el('p', { className: 'tag-admin-name' },
      el('a', { className: 'tag', href: tagHref(tag.name), text: tag.name }), ` ${plural(tag.post_count, 'post')}`),
    el('div', { className: 'tag-admin-controls' }, edit, deleteControl(tag, refresh)));
}

/** Fills `section` with the tags and the forms that change them. */
export async function tagAdminSection(section) {
  const list = el('ul', { className: 'tag-admin-list', 'aria-labelledby': 'tag-admin-heading' });
  const status = el('p', { className: 'form-status', role: 'status' });
  const empty = el('p', { className: 'empty', text: 'There are no tags yet.' });
  const refresh = async (message = '') => {
    // What was said about an earlier attempt at a new tag no longer applies.
    clearError(create);
    const tags = await allTags();
    list.replaceChildren(...tags.map((tag) => tagRow(tag, refresh)));
    empty.hidden = tags.length > 0;
    status.textContent = message;
  };
  const create = el('form', { className: 'tag-create', novalidate: true },
    field({ label: 'Name', name: 'name', id: 'new-tag-name', required: true, maxlength: 25, autocapitalize: 'none', spellcheck: 'false', hint: '2 to 25 lower-case letters, digits or hyphens.' }),
    field({ label: 'Description', name: 'description', id: 'new-tag-description', maxlength: 200 }),
    el('button', { type: 'submit', text: 'Create tag' }),
    el('p', { className: 'form-error', role: 'alert' }));
  onSubmit(create, async ({ name, description }) => {
    const tag = await api('POST', '/api/tags', { name: name.trim(), description });
    create.reset();
    await refresh(`Tag ${tag.name} created.`);
  });
  fill(section,
    el('h2', { id: 'tag-admin-heading', text: 'Tags' }),
    el('p', { className: 'hint', text: 'A post has up to 3. Readers filter them out on their account page or under the listings.' }),
    create, status, empty, list);
  section.hidden = false;
  await refresh();
}

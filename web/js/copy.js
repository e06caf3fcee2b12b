// A secret or link shown once on the account page (an invitation, an API token, the private
// feeds' URLs): a read-only field with a button that copies it, and a line that says whether it
// was copied or, when the browser would not, that it is selected for Ctrl+C.

import { el } from './dom.js';

/**
 * A labelled read-only input holding `value` and a `button` (its text) that copies it; `name`,
 * when given, is the button's accessible name (e.g. "Copy token" for a button that reads "Copy").
 * `focus()` on the returned element's input selects the value.
 */
export function copyField({ id, label, value, button = 'Copy', name = undefined }) {
  const input = el('input', { id, type: 'text', readonly: true, value, spellcheck: 'false', autocomplete: 'off' });
  const said = el('p', { className: 'form-status copy-status', role: 'status' });
  const copy = el('button', { type: 'button', className: 'secondary', text: button, 'aria-label': name });
  copy.addEventListener('click', async () => {
    input.select();
    try {
      await navigator.clipboard.writeText(value);
      said.textContent = 'Copied.';
    } catch {
      said.textContent = 'It is selected: copy it with Ctrl+C (⌘C on a Mac).';
    }
  });
  input.addEventListener('focus', () => input.select());
  return el('div', { className: 'field copy-field' },
    el('label', { for: id, text: label }),
    el('div', { className: 'copy-row' }, input, copy),
    said);
}

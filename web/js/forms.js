// Shared form behaviour: the API's message next to the form, the submit button disabled
// while the request is in flight, and a 401 on any action sends the user to /login.

import { el } from './dom.js';

/** The role="alert" element that belongs to `form`, created after it on first use. */
export function alertFor(form) {
  let alert = form.querySelector('.form-error');
  if (!alert) {
    alert = el('p', { className: 'form-error', role: 'alert' });
    form.append(alert);
  }
  return alert;
}

/**
 * The API's message for `error` on `form`: beside the field it names when that field has a
 * `.field-error` of its own, otherwise in the form's alert.
 */
export function showError(form, error) {
  const message = error.message || 'Something went wrong. Please try again.';
  const field = error.field && form.elements.namedItem(error.field);
  const beside = field && typeof field.closest === 'function' && field.closest('.field')?.querySelector('.field-error');
  (beside || alertFor(form)).textContent = message.charAt(0).toUpperCase() + message.slice(1);
  if (field && typeof field.focus === 'function') {
    field.setAttribute('aria-invalid', 'true');
    field.focus();
  }
}

export function clearError(form) {
  alertFor(form).textContent = '';
  for (const beside of form.querySelectorAll('.field-error')) beside.textContent = '';
  for (const field of form.querySelectorAll('[aria-invalid]')) field.removeAttribute('aria-invalid');
}

/** The 401s that are a login's own answer (wrong password, a code needed or wrong), not a lost session. */
const LOGIN_REFUSALS = ['invalid_credentials', 'two_factor_required', 'invalid_two_factor_code'];

/**
 * Sends the user to /login when an action found them logged out; true when it did.
 * A refused login is also a 401, but that one is shown on the form.
 */
export function redirectIfLoggedOut(error) {
  if (error && error.status === 401 && !LOGIN_REFUSALS.includes(error.code)) {
    location.assign('/login');
    return true;
  }
  return false;
}

/** Runs `action()` with the form's submit button(s) disabled; shows failures on the form. */
export async function busy(form, action, buttons = form.querySelectorAll('button[type="submit"]')) {
  clearError(form);
  for (const button of buttons) button.disabled = true;
  form.setAttribute('aria-busy', 'true');
  try {
    return await action();
  } catch (error) {
    if (!redirectIfLoggedOut(error)) showError(form, error);
    return undefined;
  } finally {
    for (const button of buttons) button.disabled = false;
    form.removeAttribute('aria-busy');
  }
}

/** Wires `form` so submitting it runs `action(values)` with the form's values as an object. */
export function onSubmit(form, action) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(form, () => action(Object.fromEntries(new FormData(form))));
  });
}

/**
 * A labelled input, textarea or select, wrapped so label and control stay together, with an
 * optional hint below it. A textarea's starting text is `text`; a select's choices are
 * `options`, `[{value, label, selected}]`.
 */
export function field({ label, name, id, type = 'text', textarea = false, options, hint, ...attrs }) {
  const describedBy = hint ? `${id}-hint` : undefined;
  let control;
  if (options) {
    control = el('select', { id, name, 'aria-describedby': describedBy, ...attrs },
      options.map((option) => el('option', { value: option.value, text: option.label, selected: option.selected })));
  } else if (textarea) {
    control = el('textarea', { id, name, rows: 4, 'aria-describedby': describedBy, ...attrs });
  } else {
    control = el('input', { id, name, type, 'aria-describedby': describedBy, ...attrs });
  }
  return el('div', { className: 'field' }, el('label', { for: id, text: label }), control,
    hint ? el('p', { id: describedBy, className: 'hint', text: hint }) : null);
}

/**
 * A two-step confirmation: `start` shows `confirm` (with its `no` button) in its place and `no`
 * puts `start` back, focus following each time; the form's submit is the "yes".
 */
export function confirmStep(start, confirm, no) {
  const ask = (asking) => {
    start.hidden = asking;
    confirm.hidden = !asking;
    (asking ? no : start).focus();
  };
  start.addEventListener('click', () => ask(true));
  no.addEventListener('click', () => ask(false));
}

/**
 * Buttons that each open their form in `slot`, one at a time: `items` are `{text, className,
 * open(close)}`, `open` returning the form. `close()` empties the slot and gives focus back to
 * the button that opened it; `attrs` go on every button (e.g. `aria-describedby`).
 */
export function formOpeners(slot, items, attrs = {}) {
  const buttons = [];
  let opener = null;
  const close = () => {
    slot.replaceChildren();
    for (const button of buttons) button.setAttribute('aria-expanded', 'false');
    if (opener) opener.focus();
    opener = null;
  };
  for (const { text, className = 'link-button', open } of items) {
    const button = el('button', { type: 'button', className, text, 'aria-expanded': 'false', ...attrs });
    button.addEventListener('click', () => {
      for (const other of buttons) other.setAttribute('aria-expanded', String(other === button));
      opener = button;
      const form = open(close);
      slot.replaceChildren(form);
      form.querySelector('textarea, input, select, button[type="submit"]').focus();
    });
    buttons.push(button);
  }
  return buttons;
}

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

export function showError(form, error) {
  const message = error.message || 'Something went wrong. Please try again.';
  alertFor(form).textContent = message.charAt(0).toUpperCase() + message.slice(1);
  const field = error.field && form.elements.namedItem(error.field);
  if (field && typeof field.focus === 'function') {
    field.setAttribute('aria-invalid', 'true');
    field.focus();
  }
}

export function clearError(form) {
  alertFor(form).textContent = '';
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
 * A labelled input or textarea, wrapped so label and control stay together, with an optional
 * hint below it. A textarea's starting text is `text`.
 */
export function field({ label, name, id, type = 'text', textarea = false, hint, ...attrs }) {
  const describedBy = hint ? `${id}-hint` : undefined;
  const control = textarea
    ? el('textarea', { id, name, rows: 4, 'aria-describedby': describedBy, ...attrs })
    : el('input', { id, name, type, 'aria-describedby': describedBy, ...attrs });
  return el('div', { className: 'field' }, el('label', { for: id, text: label }), control,
    hint ? el('p', { id: describedBy, className: 'hint', text: hint }) : null);
}

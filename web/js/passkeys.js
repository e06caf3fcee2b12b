// Passkeys (DESIGN.md section 23): the browser's part of making one and of logging in with one,
// and the account page's "Passkeys" section — a passkey added with a name and the password,
// then the browser's own prompt (fingerprint, face, screen lock or security key); the passkeys
// so far with when each was added and last used, each renamed or removed (asked twice).

import { api } from './api.js';
import { el, fill } from './dom.js';
import { exactTime, formatDate } from './format.js';
import { busy, confirmStep, field, formOpeners, onSubmit, redirectIfLoggedOut } from './forms.js';
import {
  isIpHost, PASSKEY_NAME_MAX, PASSKEYS_NEED_A_NAME, PASSKEYS_UNSUPPORTED, passkeyNameProblem, passkeyProblem, passkeysSupported,
} from './identity.js';
import { lastUsedWords } from './programs.js';

const $ = (id) => document.getElementById(id);

/**
 * Whether passkeys can work on this page, or why not: the site's address is an IP address
 * (browsers refuse those as a passkey's site), or the browser has no passkeys.
 */
export function passkeysBlocked() {
  if (isIpHost(location.hostname)) return PASSKEYS_NEED_A_NAME;
  if (!passkeysSupported(window)) return PASSKEYS_UNSUPPORTED;
  return null;
}

/** The credential the browser returned, as the JSON the API takes; a prompt that gave nothing counts as cancelled. */
function asJson(credential) {
  if (!credential) throw new DOMException('No passkey was chosen.', 'NotAllowedError');
  return credential.toJSON();
}

/**
 * Logs in with a passkey: the API's request options, the browser's prompt (any passkey of this
 * site on the device: no name is typed), the signed answer to the API, which starts a session.
 * Resolves to `{id, username}`; rejects with the API's ApiError or the browser's DOMException.
 */
export async function logInWithPasskey() {
  const { publicKey } = await api('POST', '/api/session/passkey/options', {});
  const credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(publicKey) });
  return api('POST', '/api/session/passkey', { credential: asJson(credential) });
}

/** A `<time>` of `rfc3339` reading `text`, the exact time as its title. */
const time = (rfc3339, text) => el('time', { datetime: rfc3339, title: exactTime(rfc3339), text });

/** "Remove", then "Remove NAME? …" with "Yes, remove it" and "No, keep it". */
function removeControl(passkey, removed) {
  const start = el('button', { type: 'button', className: 'small danger', text: 'Remove', 'aria-label': `Remove ${passkey.name}` });
  const yes = el('button', { type: 'submit', className: 'small danger', text: 'Yes, remove it' });
  const no = el('button', { type: 'button', className: 'small secondary', text: 'No, keep it' });
  const confirm = el('div', { className: 'confirm', hidden: true },
    el('p', { text: `Remove ${passkey.name}? It will no longer log you in.` }), yes, no);
  const form = el('form', { className: 'inline-form passkey-remove' }, start, confirm, el('p', { className: 'form-error', role: 'alert' }));
  confirmStep(start, confirm, no);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(form, async () => {
      await api('DELETE', `/api/users/me/passkeys/${passkey.id}`);
      await removed(passkey);
    }, [yes, no]);
  });
  return form;
}

/** The form "Rename" opens: the name, "Save" and "Cancel". */
function renameForm(passkey, close, renamed) {
  const form = el('form', { className: 'inline-form passkey-rename', novalidate: true },
    field({ label: `New name for ${passkey.name}`, name: 'name', id: `passkey-rename-${passkey.id}`, maxlength: PASSKEY_NAME_MAX, required: true, autocomplete: 'off', value: passkey.name }),
    el('div', { className: 'form-buttons' },
      el('button', { type: 'submit', className: 'small', text: 'Save' }),
      el('button', { type: 'button', className: 'small secondary', text: 'Cancel', onClick: close })));
  onSubmit(form, async ({ name }) => {
    const problem = passkeyNameProblem(name);
    if (problem) throw Object.assign(new Error(problem), { field: 'name' });
    await renamed(await api('PUT', `/api/users/me/passkeys/${passkey.id}`, { name }));
  });
  return form;
}

function passkeyItem(passkey, now, { renamed, removed }) {
  const used = lastUsedWords(passkey.last_used_at, now);
  const slot = el('div', { className: 'passkey-slot' });
  const [rename] = formOpeners(slot, [{
    text: 'Rename',
    className: 'small secondary',
    open: (close) => renameForm(passkey, close, renamed),
  }], { 'aria-label': `Rename ${passkey.name}` });
  return el('li', { className: 'passkey' },
    el('p', { className: 'passkey-name' }, el('strong', { text: passkey.name })),
    el('p', { className: 'passkey-dates' },
      'Added ', time(passkey.created_at, formatDate(passkey.created_at)), ' · ',
      passkey.last_used_at ? time(passkey.last_used_at, used) : used),
    el('div', { className: 'passkey-controls' }, rename, removeControl(passkey, removed)),
    slot);
}

/**
 * An ApiError or DOMException from adding a passkey, as the form shows it: beside the field the
 * API names (the password when it is wrong), otherwise in words (`passkeyProblem`). A prompt the
 * person cancelled is not an error: it comes back as `{calm}` for the status line.
 */
function addFailure(error) {
  if (error.status && error.field) return error;
  if (error.code === 'wrong_password') return Object.assign(error, { field: 'password' });
  if (error.status === 401) return error;
  const { text, calm } = passkeyProblem(error);
  if (calm) return { calm: text };
  return Object.assign(new Error(text), { code: error.code, status: error.status });
}

/**
 * Draws the account page's "Passkeys" section and wires its forms. On an IP address or in a
 * browser without passkeys it says why instead of offering to add one (and on an IP address,
 * where the API refuses every passkey operation, asks nothing).
 */
export async function passkeysSection() {
  const form = $('passkey-form');
  const list = $('passkey-list');
  const status = $('passkey-status');
  const listStatus = $('passkey-list-status');
  const listError = $('passkey-list-error');
  const blocked = (text) => {
    $('passkeys-blocked').textContent = text;
    $('passkeys-blocked').hidden = false;
    form.hidden = true;
  };
  const say = (text, calm = false) => {
    status.textContent = text;
    status.classList.toggle('calm', calm);
  };

  const why = passkeysBlocked();
  if (why) blocked(why);
  if (why === PASSKEYS_NEED_A_NAME) {
    $('passkey-list-part').hidden = true;
    return;
  }

  const refresh = async () => {
    listError.textContent = '';
    try {
      const { passkeys } = await api('GET', '/api/users/me/passkeys');
      const now = Date.now();
      fill(list, passkeys.map((passkey) => passkeyItem(passkey, now, { renamed, removed })));
      $('passkey-empty').hidden = passkeys.length > 0;
    } catch (failure) {
      if (redirectIfLoggedOut(failure)) return;
      if (failure.code === 'passkeys_unavailable') {
        blocked(PASSKEYS_NEED_A_NAME);
        $('passkey-list-part').hidden = true;
      } else {
        listError.textContent = failure.message;
      }
    }
  };
  // After a change the changed controls are gone: focus starts again at the list's heading.
  const changed = async (text) => {
    await refresh();
    listStatus.textContent = text;
    $('passkey-list-heading').focus();
  };
  const renamed = (passkey) => changed(`Renamed to ${passkey.name}.`);
  const removed = (passkey) => changed(`${passkey.name} is removed: it no longer logs you in. Your device may still list it; you can delete it there too.`);

  onSubmit(form, async ({ name, password }) => {
    say('');
    listStatus.textContent = '';
    const problem = passkeyNameProblem(name);
    if (problem) throw Object.assign(new Error(problem), { field: 'name' });
    try {
      const { publicKey } = await api('POST', '/api/users/me/passkeys/registration', { password });
      const credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(publicKey) });
      const passkey = await api('POST', '/api/users/me/passkeys', { name, credential: asJson(credential) });
      form.reset();
      await refresh();
      say(`Passkey “${passkey.name}” added. Next time, choose “Log in with a passkey” on the login page.`);
    } catch (error) {
      const failure = addFailure(error);
      if (failure.calm) {
        say(failure.calm, true);
        return;
      }
      if (failure.code !== 'passkeys_unavailable') throw failure;
      blocked(PASSKEYS_NEED_A_NAME);
    }
  });
  await refresh();
}

// Accounts that cannot be lost or taken (DESIGN.md section 23) in words: whether this browser and
// this site's address can use passkeys, a passkey's name checked before the browser is asked to
// make one, what a failed passkey step means to the person, how long to wait for another
// confirmation mail, and the account page's lines about the address. Pure, unit-tested in tests/unit.

import { plural } from './format.js';

/** What the site says when its address is an IP address, which browsers refuse as a passkey's site. */
export const PASSKEYS_NEED_A_NAME = 'Passkeys need the site on a domain name, not an IP address.';

/** What the site says to a browser without passkeys (or without the WebAuthn JSON helpers). */
export const PASSKEYS_UNSUPPORTED = 'This browser does not support passkeys. An up-to-date Chrome, Edge, Firefox or Safari does.';

/** The longest passkey name the API takes, in characters. */
export const PASSKEY_NAME_MAX = 50;

/**
 * Whether `win` (a window) can make and use passkeys the way the pages do: WebAuthn, and the
 * browser's own conversion of the API's JSON options (`parseCreationOptionsFromJSON`,
 * `parseRequestOptionsFromJSON`) and of a credential back to JSON.
 */
export function passkeysSupported(win) {
  const credential = win && win.PublicKeyCredential;
  return typeof credential === 'function'
    && typeof credential.parseCreationOptionsFromJSON === 'function'
    && typeof credential.parseRequestOptionsFromJSON === 'function'
    && Boolean(win.navigator && win.navigator.credentials);
}

/** True for an IPv4 address or an IPv6 one (as `location.hostname` gives it, in brackets or not). */
export function isIpHost(hostname) {
  const host = String(hostname || '');
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':') || /^\[.*\]$/.test(host);
}

/**
 * What is wrong with a passkey's name as typed, or null: it is checked before the browser asks
 * for a fingerprint or a PIN, so a bad name does not waste that. The name is sent as typed.
 */
export function passkeyNameProblem(name) {
  const typed = String(name ?? '');
  if (!typed.trim()) return 'Give the passkey a name, to tell your passkeys apart.';
  if ([...typed].length > PASSKEY_NAME_MAX) return `A passkey's name is at most ${PASSKEY_NAME_MAX} characters.`;
  return null;
}

/**
 * What a failed passkey step means, as `{text, calm}`: `calm` when nothing went wrong but the
 * person stopped (a cancelled or timed-out browser prompt), which is said quietly rather than as
 * an error. `login` is true on /login, where a refused passkey reads "That passkey was not
 * accepted." `error` is the browser's DOMException or the API's ApiError.
 */
export function passkeyProblem(error, { login = false } = {}) {
  const name = error && error.name;
  const code = error && error.code;
  if (code === 'passkeys_unavailable') return { text: PASSKEYS_NEED_A_NAME, calm: false };
  if (name === 'NotAllowedError' || name === 'AbortError') {
    return {
      text: login
        ? 'No passkey was used: the request was cancelled or timed out. Try again, or log in with your password.'
        : 'No passkey was added: the request was cancelled or timed out.',
      calm: true,
    };
  }
  if (name === 'InvalidStateError') return { text: 'This device already holds a passkey for your account.', calm: false };
  if (name === 'SecurityError') return { text: `This browser would not use a passkey for this site's address. ${PASSKEYS_NEED_A_NAME}`, calm: false };
  if (name === 'NotSupportedError') return { text: PASSKEYS_UNSUPPORTED, calm: false };
  if (login && code === 'invalid_credentials') return { text: 'That passkey was not accepted.', calm: false };
  const message = (error && error.message) || 'Something went wrong. Please try again.';
  const text = message.charAt(0).toUpperCase() + message.slice(1);
  if (error && error.status === 429) return { text: `${text.replace(/\.?$/, '.')} ${waitWords(error.retryAfter)}`, calm: false };
  return { text, calm: false };
}

/**
 * "Try again in 40 seconds." / "Try again in 57 minutes." from a `Retry-After` header in
 * seconds (minutes, rounded up, from 90 seconds on); "Try again later." when it says nothing usable.
 */
export function waitWords(retryAfter) {
  const text = String(retryAfter ?? '').trim();
  if (!/^\d{1,9}$/.test(text)) return 'Try again later.';
  const seconds = Math.max(Number(text), 1);
  if (seconds < 90) return `Try again in ${plural(seconds, 'second')}.`;
  return `Try again in ${plural(Math.ceil(seconds / 60), 'minute')}.`;
}

/**
 * What "Send the link again" answers, as `{text, failed}`: `error` null when the mail is sent,
 * else the API's refusal (the address confirmed meanwhile is no failure).
 */
export function resendWords(error) {
  if (!error) return { text: 'Sent: the new link is on its way to your inbox. It works for 48 hours.', failed: false };
  if (error.code === 'already_verified') return { text: 'Your e-mail address is already confirmed.', failed: false };
  if (error.status === 429) return { text: `You have asked for several links in the last hour. ${waitWords(error.retryAfter)}`, failed: true };
  return { text: error.message, failed: true };
}

/** What the account page says once a change of address is asked for. */
export function changeSentWords(email) {
  return `We sent a link to ${email}. Nothing changes until you open it.`;
}

/** The line under "E-mail address" on /account for `me` (GET /api/users/me). */
export function addressState(me) {
  return me.email_verified ? 'Confirmed.' : 'Not confirmed yet: open the link in the mail we sent to this address.';
}

/** The line about a change of address waiting to be confirmed, or null when there is none. */
export function pendingWords(me) {
  if (!me.pending_email) return null;
  return `Changing to ${me.pending_email}: open the link we sent there to finish. Until then your address stays ${me.email}.`;
}

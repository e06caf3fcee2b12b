import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ApiError } from '../../js/api.js';
import {
  addressState, changeSentWords, isIpHost, PASSKEYS_NEED_A_NAME, PASSKEYS_UNSUPPORTED, passkeyNameProblem,
  passkeyProblem, passkeysSupported, pendingWords, resendWords, waitWords,
} from '../../js/identity.js';

test('passkeys need WebAuthn and the browser\'s JSON helpers', () => {
  function PublicKeyCredential() {}
  PublicKeyCredential.parseCreationOptionsFromJSON = () => ({});
  PublicKeyCredential.parseRequestOptionsFromJSON = () => ({});
  const navigator = { credentials: {} };
  assert.equal(passkeysSupported({ PublicKeyCredential, navigator }), true);
  assert.equal(passkeysSupported({ navigator }), false);
  function Older() {}
  assert.equal(passkeysSupported({ PublicKeyCredential: Older, navigator }), false);
  assert.equal(passkeysSupported({ PublicKeyCredential, navigator: {} }), false);
  assert.equal(passkeysSupported(undefined), false);
});

test('an IP address is no passkey\'s site; a name is', () => {
  for (const host of ['127.0.0.1', '192.168.1.20', '[::1]', '::1', '[2001:db8::1]']) assert.equal(isIpHost(host), true, host);
  for (const host of ['localhost', 'news.example.com', '1.example', 'example.123', '']) assert.equal(isIpHost(host), false, host);
});

test('a passkey needs a name of 1 to 50 characters before the browser is asked', () => {
  assert.equal(passkeyNameProblem('Laptop'), null);
  assert.equal(passkeyNameProblem('x'), null);
  assert.equal(passkeyNameProblem('é'.repeat(50)), null);
  assert.equal(passkeyNameProblem('🔑'.repeat(50)), null, 'counted in characters, not UTF-16 units');
  assert.match(passkeyNameProblem(''), /name/);
  assert.match(passkeyNameProblem('   '), /name/);
  assert.match(passkeyNameProblem(undefined), /name/);
  assert.match(passkeyNameProblem('x'.repeat(51)), /at most 50 characters/);
});

test('a cancelled or timed-out prompt is said calmly, on /login and on /account', () => {
  const cancelled = new DOMException('The operation either timed out or was not allowed.', 'NotAllowedError');
  const login = passkeyProblem(cancelled, { login: true });
  assert.equal(login.calm, true);
  assert.match(login.text, /^No passkey was used/);
  const adding = passkeyProblem(cancelled);
  assert.equal(adding.calm, true);
  assert.match(adding.text, /^No passkey was added/);
  assert.equal(passkeyProblem(new DOMException('aborted', 'AbortError')).calm, true);
});

test('a refused passkey, an IP address and the browser\'s refusals are said in words', () => {
  const refused = new ApiError(401, { code: 'invalid_credentials', message: 'invalid credentials' });
  assert.deepEqual(passkeyProblem(refused, { login: true }), { text: 'That passkey was not accepted.', calm: false });
  const unavailable = new ApiError(409, { code: 'passkeys_unavailable', message: 'passkeys need a domain name' });
  assert.deepEqual(passkeyProblem(unavailable), { text: PASSKEYS_NEED_A_NAME, calm: false });
  assert.deepEqual(passkeyProblem(unavailable, { login: true }), { text: PASSKEYS_NEED_A_NAME, calm: false });
  assert.equal(PASSKEYS_NEED_A_NAME, 'Passkeys need the site on a domain name, not an IP address.');
  assert.match(passkeyProblem(new DOMException('x', 'InvalidStateError')).text, /already holds a passkey/);
  assert.match(passkeyProblem(new DOMException('x', 'SecurityError')).text, /IP address/);
  assert.equal(passkeyProblem(new DOMException('x', 'NotSupportedError')).text, PASSKEYS_UNSUPPORTED);
});

test('any other failure is the API\'s message, capitalised; a throttle says how long to wait', () => {
  const banned = new ApiError(403, { code: 'banned', message: 'you are banned until 03/14/25' });
  assert.deepEqual(passkeyProblem(banned, { login: true }), { text: 'You are banned until 03/14/25', calm: false });
  const throttled = new ApiError(429, { code: 'too_many_attempts', message: 'too many login attempts' });
  throttled.retryAfter = '30';
  assert.deepEqual(passkeyProblem(throttled, { login: true }), { text: 'Too many login attempts. Try again in 30 seconds.', calm: false });
  assert.equal(passkeyProblem(new ApiError(500, {})).text, 'Request failed (500)');
});

test('how long to wait for another mail, in seconds and then in minutes', () => {
  assert.equal(waitWords('1'), 'Try again in 1 second.');
  assert.equal(waitWords('0'), 'Try again in 1 second.');
  assert.equal(waitWords('45'), 'Try again in 45 seconds.');
  assert.equal(waitWords('89'), 'Try again in 89 seconds.');
  assert.equal(waitWords('90'), 'Try again in 2 minutes.');
  assert.equal(waitWords('3412'), 'Try again in 57 minutes.');
  assert.equal(waitWords('3600'), 'Try again in 60 minutes.');
  assert.equal(waitWords(' 120 '), 'Try again in 2 minutes.');
  for (const nothing of [null, undefined, '', 'soon', 'Wed, 21 Oct 2015 07:28:00 GMT', '-5']) assert.equal(waitWords(nothing), 'Try again later.');
});

test('"Send the link again" says it is sent, already confirmed, or how long to wait', () => {
  assert.deepEqual(resendWords(null), { text: 'Sent: the new link is on its way to your inbox. It works for 48 hours.', failed: false });
  const confirmed = new ApiError(409, { code: 'already_verified', message: 'your address is verified already' });
  assert.deepEqual(resendWords(confirmed), { text: 'Your e-mail address is already confirmed.', failed: false });
  const limited = new ApiError(429, { code: 'rate_limited', message: 'you are doing that too often' });
  limited.retryAfter = '3599';
  assert.deepEqual(resendWords(limited), { text: 'You have asked for several links in the last hour. Try again in 60 minutes.', failed: true });
  assert.deepEqual(resendWords(new ApiError(0, { code: 'network_error', message: 'Could not reach the server.' })),
    { text: 'Could not reach the server.', failed: true });
});

test('the account page says whether the address is confirmed and what change waits for its link', () => {
  assert.equal(addressState({ email: 'ada@example.com', email_verified: true }), 'Confirmed.');
  assert.match(addressState({ email: 'ada@example.com', email_verified: false }), /^Not confirmed yet/);
  assert.equal(pendingWords({ email: 'ada@example.com', pending_email: null }), null);
  assert.equal(pendingWords({ email: 'ada@example.com' }), null);
  assert.equal(pendingWords({ email: 'ada@example.com', pending_email: 'ada@new.example' }),
    'Changing to ada@new.example: open the link we sent there to finish. Until then your address stays ada@example.com.');
  assert.equal(changeSentWords('ada@new.example'), 'We sent a link to ada@new.example. Nothing changes until you open it.');
});

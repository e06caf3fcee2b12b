// The browser stories' own helpers: the TOTP they log in with and the mail reader that finds
// the reset, confirmation and change links and tells one mail from another. A story that passes with a wrong helper proves nothing, so they are checked
// here against known answers.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { decodeQuotedPrintable, isTo, resetLinkIn, subjectOf, tokenLinkIn } from '../e2e/mail.js';
import { base32Decode, codeForStep, stepAt, totp } from '../e2e/totp.js';

const RFC_KEY = Buffer.from('12345678901234567890', 'ascii');

test('TOTP gives RFC 6238\'s SHA-1 test vectors', () => {
  assert.equal(totp(RFC_KEY, 59, 8), '94287082');
  assert.equal(totp(RFC_KEY, 59), '287082');
  assert.equal(totp(RFC_KEY, 1111111109, 8), '07081804');
  assert.equal(totp(RFC_KEY, 1111111109), '081804');
  assert.equal(totp(RFC_KEY, 1234567890), '005924');
  assert.equal(totp(RFC_KEY, 2000000000), '279037');
});

test('a step is 30 seconds', () => {
  assert.equal(stepAt(59), 1);
  assert.equal(stepAt(60), 2);
  assert.equal(codeForStep(RFC_KEY, stepAt(1111111109), 8), '07081804');
});

test('base32 decodes RFC 4648\'s examples and the RFC 6238 key', () => {
  assert.equal(base32Decode('MZXW6YTBOI======').toString(), 'foobar');
  assert.equal(base32Decode('MZXW6').toString(), 'foo');
  assert.equal(base32Decode('gezd gnbv gy3t qojq').toString(), '1234567890');
  assert.deepEqual(base32Decode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'), RFC_KEY);
});

test('quoted-printable joins soft line breaks and decodes =XX as UTF-8', () => {
  assert.equal(decodeQuotedPrintable('http://h/reset#token=3Dab=\r\ncd'), 'http://h/reset#token=abcd');
  assert.equal(decodeQuotedPrintable('caf=C3=A9 a=\nb'), 'café ab');
  assert.equal(decodeQuotedPrintable('1 = 2'), '1 = 2');
});

test('the reset link is found in a plain, a quoted-printable and a multipart mail', () => {
  const link = 'http://127.0.0.1:4000/reset#token=Ab_cd-EF';
  const plain = `To: ada@example.com\r\nContent-Type: text/plain\r\n\r\nOpen ${link}\r\n`;
  assert.equal(resetLinkIn(plain), link);
  const quoted = 'To: ada@example.com\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
    + 'Open http://127.0.0.1:4000/reset#token=3DAb_=\r\ncd-EF to choose one.\r\n';
  assert.equal(resetLinkIn(quoted), link);
  const multipart = 'To: ada@example.com\r\nContent-Type: multipart/alternative;\r\n boundary="b1"\r\n\r\n'
    + '--b1\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n'
    + `${Buffer.from(`Open ${link}\n`).toString('base64')}\r\n`
    + '--b1\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
    + `<a href=3D"${link.replace('=', '=3D')}">link</a>\r\n--b1--\r\n`;
  assert.equal(resetLinkIn(multipart), link);
  assert.equal(resetLinkIn('To: ada@example.com\r\n\r\nNo link here.\r\n'), null);
});

test('each kind of link is found only in its own mail: reset, verify, confirm-email', () => {
  const verify = 'http://localhost:4000/verify#token=Ab_cd-EF';
  const confirm = 'http://localhost:4000/confirm-email#token=Gh_ij-KL';
  const signUp = `To: ada@example.com\r\nSubject: Confirm your e-mail address for Just Tech News\r\n\r\nOpen ${verify}\r\n`;
  const change = 'To: ada@new.example\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
    + 'Open http://localhost:4000/confirm-email#token=3DGh_=\r\nij-KL to confirm.\r\n';
  assert.equal(tokenLinkIn(signUp, 'verify'), verify);
  assert.equal(tokenLinkIn(signUp, 'reset'), null);
  assert.equal(tokenLinkIn(signUp, 'confirm-email'), null);
  assert.equal(resetLinkIn(signUp), null);
  assert.equal(tokenLinkIn(change, 'confirm-email'), confirm);
  assert.equal(tokenLinkIn(change, 'verify'), null);
});

test('a mail is to an address alone or behind a name, never to one that merely ends the same', () => {
  const mail = 'To: Ada Lovelace <Ada@Example.com>, bob@example.com\r\n\r\nHi\r\n';
  assert.equal(isTo(mail, 'ada@example.com'), true);
  assert.equal(isTo(mail, 'bob@example.com'), true);
  assert.equal(isTo(mail, 'da@example.com'), false);
  assert.equal(isTo(mail, 'ob@example.com'), false);
});

test('a subject is read plain, folded or as RFC 2047 encoded words', () => {
  assert.equal(subjectOf('Subject: Confirm your new e-mail address for Just Tech News\r\nTo: a@b.c\r\n\r\n'),
    'Confirm your new e-mail address for Just Tech News');
  assert.equal(subjectOf('Subject: Your Just Tech News e-mail address\r\n is being changed\r\n\r\n'),
    'Your Just Tech News e-mail address is being changed');
  assert.equal(subjectOf('Subject: =?utf-8?b?Q29uZmlybSB5b3Vy?= =?utf-8?q?_e-mail_caf=C3=A9?=\r\n\r\n'), 'Confirm your e-mail café');
});

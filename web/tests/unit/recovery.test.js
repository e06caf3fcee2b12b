import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  groupInFours, RECOVERY_CODES_FILE, recoveryCodesText, svgDataUrl, tokenFromHash, withoutSpaces,
} from '../../js/recovery.js';

test('a reset link\'s token is read from its fragment', () => {
  assert.equal(tokenFromHash('#token=abc-DEF_123'), 'abc-DEF_123');
  assert.equal(tokenFromHash('token=abc'), 'abc');
  assert.equal(tokenFromHash('#utm=x&token=abc'), 'abc');
});

test('a token keeps its + and = and is percent-decoded', () => {
  assert.equal(tokenFromHash('#token=a+b/c=='), 'a+b/c==');
  assert.equal(tokenFromHash('#token=a%2Bb'), 'a+b');
  assert.equal(tokenFromHash('#token=100%'), '100%');
});

test('a fragment without a token has none', () => {
  assert.equal(tokenFromHash(''), null);
  assert.equal(tokenFromHash('#'), null);
  assert.equal(tokenFromHash('#token='), null);
  assert.equal(tokenFromHash('#tokens=abc'), null);
  assert.equal(tokenFromHash('#comment-12'), null);
});

test('a secret is shown in groups of four', () => {
  assert.equal(groupInFours('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'), 'JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP');
  assert.equal(groupInFours('ABCDEFGHIJ'), 'ABCD EFGH IJ');
  assert.equal(groupInFours('AB CD'), 'ABCD');
  assert.equal(groupInFours(''), '');
});

test('a code loses the spaces people type into it', () => {
  assert.equal(withoutSpaces(' 123 456 '), '123456');
  assert.equal(withoutSpaces('1a2b-3c4d-5e6f-7a8b\n'), '1a2b-3c4d-5e6f-7a8b');
});

test('the recovery codes file names its account and lists one code a line', () => {
  const codes = ['1a2b-3c4d-5e6f-7a8b', '0000-1111-2222-3333'];
  const text = recoveryCodesText(codes, 'ada');
  const lines = text.split('\n');
  assert.equal(lines[0], 'Just Tech News recovery codes for ada');
  assert.deepEqual(lines.slice(-3), [...codes, '']);
  assert.equal(RECOVERY_CODES_FILE, 'just-tech-news-recovery-codes.txt');
});

test('an SVG becomes a base64 data: URL that decodes back to it', () => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><path d="M0 0h1v1H0z"/></svg>';
  assert.equal(svgDataUrl(svg), `data:image/svg+xml;base64,${btoa(svg)}`);
  const accented = '<svg xmlns="http://www.w3.org/2000/svg"><title>Café</title></svg>';
  const encoded = svgDataUrl(accented).split(',')[1];
  assert.equal(Buffer.from(encoded, 'base64').toString('utf8'), accented);
});

// Pure helpers for account recovery and two-factor login (DESIGN.md section 16): the token in a
// reset link, the set-up key as people read it, codes as typed, and the recovery codes file.
// Unit-tested in tests/unit.

import { hashParam } from './urls.js';

/** What the "Download as text" button names the recovery codes file. */
export const RECOVERY_CODES_FILE = 'just-tech-news-recovery-codes.txt';

/**
 * The token in a reset link's fragment (`#token=...`), or null when there is none. Not checked
 * any further: whether it is live is the server's answer to give.
 */
export function tokenFromHash(hash) {
  return hashParam(hash, 'token');
}

/** "ABCD EFGH IJ": easier to read off a screen and type into an app than one long run. */
export function groupInFours(text) {
  return (text.replace(/\s+/g, '').match(/.{1,4}/g) || []).join(' ');
}

/** A code as typed ("123 456", " 1a2b-3c4d ") as the API takes it. */
export function withoutSpaces(text) {
  return text.replace(/\s+/g, '');
}

/** The contents of the recovery codes file: what they are, then one code a line. */
export function recoveryCodesText(codes, username) {
  return [
    `Just Tech News recovery codes for ${username}`,
    '',
    'Each code logs you in once in place of a code from your authenticator app.',
    'Keep them somewhere safe. Making new codes on your account page replaces all of these.',
    '',
    ...codes,
    '',
  ].join('\n');
}

/** An SVG document as a data: URL for an <img> (so it is drawn as an image, never parsed into the page). */
export function svgDataUrl(svg) {
  let binary = '';
  for (const byte of new TextEncoder().encode(svg)) binary += String.fromCharCode(byte);
  return `data:image/svg+xml;base64,${btoa(binary)}`;
}

// Reading the server's outbox: the .eml files it writes when no SMTP server is configured.
// A message may be multipart and its parts quoted-printable or base64, so each part is decoded
// before a link is looked for in it.

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** Quoted-printable (RFC 2045) to text: soft line breaks joined, `=XX` bytes decoded as UTF-8. */
export function decodeQuotedPrintable(text) {
  const joined = text.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < joined.length; i += 1) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function header(headers, name) {
  const match = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(headers);
  return match ? match[1].trim() : '';
}

/** Every text part of a message (headers, blank line, body), decoded. */
export function textParts(message) {
  const raw = message.replace(/\r\n/g, '\n');
  const split = raw.indexOf('\n\n');
  const headers = (split < 0 ? raw : raw.slice(0, split)).replace(/\n[ \t]+/g, ' ');
  const body = split < 0 ? '' : raw.slice(split + 2);
  const type = header(headers, 'Content-Type');
  const boundary = /boundary="?([^";]+)"?/i.exec(type);
  if (/^multipart\//i.test(type) && boundary) {
    return body.split(`--${boundary[1]}`).slice(1)
      .filter((part) => !part.startsWith('--'))
      .flatMap((part) => textParts(part.replace(/^[ \t]*\n/, '')));
  }
  const encoding = header(headers, 'Content-Transfer-Encoding').toLowerCase();
  if (encoding === 'quoted-printable') return [decodeQuotedPrintable(body)];
  if (encoding === 'base64') return [Buffer.from(body, 'base64').toString('utf8')];
  return [body];
}

/** The `.../reset#token=...` link in a message, or null. */
export function resetLinkIn(message) {
  for (const text of textParts(message)) {
    const link = /https?:\/\/[^\s"'<>]+\/reset#token=[^\s"'<>&]+/.exec(text);
    if (link) return link[0];
  }
  return null;
}

/** The headers of a message, folded lines joined. */
function headersOf(message) {
  const raw = message.replace(/\r\n/g, '\n');
  return raw.slice(0, raw.indexOf('\n\n')).replace(/\n[ \t]+/g, ' ');
}

/**
 * Polls `dir` until a message to `address` holding a reset link appears (a file still being
 * written is read again on the next round); returns that link. `skip` lists links already used.
 */
export async function waitForResetLink(dir, address, { skip = [], timeout = 15_000 } = {}) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    for (const name of (await readdir(dir)).filter((file) => file.endsWith('.eml'))) {
      const message = await readFile(path.join(dir, name), 'utf8');
      if (!header(headersOf(message), 'To').toLowerCase().includes(address.toLowerCase())) continue;
      const link = resetLinkIn(message);
      if (link && !skip.includes(link)) return link;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no reset mail to ${address} in ${dir} within ${timeout} ms: ${(await readdir(dir)).join(', ')}`);
}

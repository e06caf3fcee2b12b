// Reading the server's outbox: the .eml files it writes when no SMTP server is configured.
// A message may be multipart and its parts quoted-printable or base64, so each part is decoded
// before a link is looked for in it. Since sign-up mails a confirmation link, an address gets
// more than one kind of mail: a link is looked for by its page (`/reset`, `/verify`,
// `/confirm-email`), a notice by its subject.

import { readdir, readFile, stat } from 'node:fs/promises';
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

/** The `.../PAGE#token=...` link in a message (PAGE `reset`, `verify` or `confirm-email`), or null. */
export function tokenLinkIn(message, page) {
  const pattern = new RegExp(`https?://[^\\s"'<>]+/${page}#token=[^\\s"'<>&]+`);
  for (const text of textParts(message)) {
    const link = pattern.exec(text);
    if (link) return link[0];
  }
  return null;
}

/** The `.../reset#token=...` link in a message, or null. */
export function resetLinkIn(message) {
  return tokenLinkIn(message, 'reset');
}

/** The headers of a message, folded lines joined. */
function headersOf(message) {
  const raw = message.replace(/\r\n/g, '\n');
  return raw.slice(0, raw.indexOf('\n\n')).replace(/\n[ \t]+/g, ' ');
}

/** A message's `Subject` header, RFC 2047 encoded words (`=?UTF-8?B?...?=`, `=?UTF-8?Q?...?=`) decoded. */
export function subjectOf(message) {
  return header(headersOf(message), 'Subject')
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, charset, kind, text) => (kind.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : decodeQuotedPrintable(text.replace(/_/g, ' '))));
}

/** Whether a message's `To` header names `address` (alone or as `Name <address>`), whatever its case. */
export function isTo(message, address) {
  const to = header(headersOf(message), 'To').toLowerCase();
  return to.split(',').some((one) => {
    const bare = one.trim();
    const angled = /<([^>]+)>/.exec(bare);
    return (angled ? angled[1] : bare).trim() === address.toLowerCase();
  });
}

/** Every message in `dir` so far, oldest first (a file still being written may be cut short). */
async function messages(dir) {
  const names = (await readdir(dir)).filter((file) => file.endsWith('.eml'));
  const read = await Promise.all(names.map(async (name) => {
    const file = path.join(dir, name);
    return { text: await readFile(file, 'utf8'), mtime: (await stat(file)).mtimeMs };
  }));
  return read.sort((a, b) => a.mtime - b.mtime).map((message) => message.text);
}

/**
 * Polls `dir` until a message to `address` holds a `/PAGE#token=...` link (see `tokenLinkIn`)
 * that `skip` does not list; returns that link (a file still being written is read again on
 * the next round).
 */
export async function waitForTokenLink(dir, address, page, { skip = [], timeout = 15_000 } = {}) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    for (const message of await messages(dir)) {
      if (!isTo(message, address)) continue;
      const link = tokenLinkIn(message, page);
      if (link && !skip.includes(link)) return link;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no ${page} mail to ${address} in ${dir} within ${timeout} ms: ${(await readdir(dir)).join(', ')}`);
}

/** Polls `dir` until a message to `address` holds a reset link not in `skip`; returns that link. */
export function waitForResetLink(dir, address, options = {}) {
  return waitForTokenLink(dir, address, 'reset', options);
}

/** Polls `dir` until a message to `address` has the subject `subject`; returns the message. */
export async function waitForMail(dir, address, subject, { timeout = 15_000 } = {}) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const found = (await messages(dir)).find((message) => isTo(message, address) && subjectOf(message) === subject);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no mail "${subject}" to ${address} in ${dir} within ${timeout} ms`);
}

/** Polls `dir` until there are at least `count` messages to `address`; returns them, oldest first. */
export async function waitForMails(dir, address, count, { timeout = 15_000 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const found = (await messages(dir)).filter((message) => isTo(message, address));
    if (found.length >= count || Date.now() >= deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The messages to `address` in `dir` now, oldest first. */
export async function mailsTo(dir, address) {
  return (await messages(dir)).filter((message) => isTo(message, address));
}

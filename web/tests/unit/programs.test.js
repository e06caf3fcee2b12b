import assert from 'node:assert/strict';
import { test } from 'node:test';

import { formatDate } from '../../js/format.js';
import {
  curlExamples, expiryWords, filenameFrom, lastUsedWords, retryWords, scopeWords, tokenRequest,
} from '../../js/programs.js';

const NOW = Date.parse('2025-03-12T12:00:00Z');

test('a token that may write reads too; one that may only read says so', () => {
  assert.equal(scopeWords(['read']), 'read only');
  assert.equal(scopeWords(['read', 'write']), 'read and write');
  assert.equal(scopeWords(['write']), 'read and write');
});

test('a token expires on a date, has expired, or never expires', () => {
  assert.equal(expiryWords(null, NOW), 'never expires');
  assert.equal(expiryWords('2025-06-10T12:00:00Z', NOW), `expires ${formatDate('2025-06-10T12:00:00Z')}`);
  assert.equal(expiryWords('2025-03-01T12:00:00Z', NOW), `expired ${formatDate('2025-03-01T12:00:00Z')}`);
  assert.equal(expiryWords('2025-03-12T12:00:00Z', NOW), `expired ${formatDate('2025-03-12T12:00:00Z')}`);
});

test('a token was never used, or last used a while ago as the listings say it', () => {
  assert.equal(lastUsedWords(null, NOW), 'never used');
  assert.equal(lastUsedWords('2025-03-12T11:59:30Z', NOW), 'last used just now');
  assert.equal(lastUsedWords('2025-03-12T11:57:00Z', NOW), 'last used 3 minutes ago');
  assert.equal(lastUsedWords('2025-03-11T12:00:00Z', NOW), 'last used 1 day ago');
  assert.equal(lastUsedWords('2025-02-01T12:00:00Z', NOW), `last used ${formatDate('2025-02-01T12:00:00Z')}`);
});

test('the form becomes the API\'s request: days as a number, "never" as null', () => {
  assert.deepEqual(tokenRequest({ name: 'backup script', scopes: ['read'], expires: '90', password: 'pw' }),
    { name: 'backup script', scopes: ['read'], expires_in_days: 90, password: 'pw' });
  assert.deepEqual(tokenRequest({ name: 'bot', scopes: ['read', 'write'], expires: '', password: 'pw' }),
    { name: 'bot', scopes: ['read', 'write'], expires_in_days: null, password: 'pw' });
  assert.deepEqual(tokenRequest({}), { name: '', scopes: [], expires_in_days: null, password: '' });
});

test('the curl lines send the token as a bearer to this site', () => {
  const lines = curlExamples('https://news.example');
  assert.equal(lines.length, 3);
  assert.equal(lines[0], 'curl -H "Authorization: Bearer jtn_…" https://news.example/api/users/me');
  assert.equal(lines[1], 'curl -H "Authorization: Bearer jtn_…" "https://news.example/api/posts?sort=new&per_page=5"');
  assert.match(lines[2], /^curl -H "Authorization: Bearer jtn_…" -H "Content-Type: application\/json" -d '\{.*\}' https:\/\/news\.example\/api\/posts$/);
  assert.deepEqual(JSON.parse(/-d '(.*)'/.exec(lines[2])[1]), { title: 'Hello from a script', post_url: 'https://example.com/' });
  assert.equal(curlExamples('http://127.0.0.1:3000', 'jtn_abc')[0], 'curl -H "Authorization: Bearer jtn_abc" http://127.0.0.1:3000/api/users/me');
});

test('the export is saved under the name its Content-Disposition gives, never a path', () => {
  assert.equal(filenameFrom('attachment; filename="just-tech-news-alice.json"', 'x.json'), 'just-tech-news-alice.json');
  assert.equal(filenameFrom('attachment; filename=just-tech-news-bob.json', 'x.json'), 'just-tech-news-bob.json');
  assert.equal(filenameFrom("attachment; filename*=UTF-8''just-tech-news-%C3%A9.json", 'x.json'), 'just-tech-news-é.json');
  assert.equal(filenameFrom('attachment; filename="../../etc/passwd"', 'x.json'), 'passwd');
  assert.equal(filenameFrom('attachment', 'x.json'), 'x.json');
  assert.equal(filenameFrom(null, 'x.json'), 'x.json');
});

test('"try again" counts the seconds Retry-After gives, or says a minute', () => {
  assert.equal(retryWords('42'), 'Try again in 42 seconds.');
  assert.equal(retryWords('1'), 'Try again in 1 second.');
  assert.equal(retryWords('0'), 'Try again in 1 second.');
  assert.equal(retryWords(null), 'Try again in a minute.');
  assert.equal(retryWords('Wed, 21 Oct 2015 07:28:00 GMT'), 'Try again in a minute.');
});

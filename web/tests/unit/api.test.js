import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';

import { api, ApiError, getSession } from '../../js/api.js';

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

/** Replaces fetch with one answering `status` and `body`, recording what it was asked. */
function answer(status, body) {
  const calls = [];
  globalThis.fetch = async (url, init) => {
    calls.push({ url, init });
    return new Response(body === undefined ? null : JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json' },
    });
  };
  return calls;
}

test('a request sends JSON with same-origin cookies and returns the JSON answer', async () => {
  const calls = answer(201, { id: 1, username: 'ada' });
  const result = await api('POST', '/api/users', { username: 'ada' });
  assert.deepEqual(result, { id: 1, username: 'ada' });
  assert.equal(calls[0].url, '/api/users');
  assert.equal(calls[0].init.method, 'POST');
  assert.equal(calls[0].init.credentials, 'same-origin');
  assert.equal(calls[0].init.headers['Content-Type'], 'application/json');
  assert.equal(calls[0].init.body, '{"username":"ada"}');
});

test('a request without a body sends no Content-Type', async () => {
  const calls = answer(200, { logged_in: false, user: null });
  assert.deepEqual(await getSession(), { logged_in: false, user: null });
  assert.equal(calls[0].init.method, 'GET');
  assert.equal(calls[0].init.headers['Content-Type'], undefined);
  assert.equal(calls[0].init.body, undefined);
});

test('a 204 answer is null', async () => {
  answer(204);
  assert.equal(await api('POST', '/api/users/logout'), null);
});

test('an error answer becomes an ApiError carrying status, code, message and field', async () => {
  answer(422, { code: 'validation_failed', message: 'title must be 1 to 200 characters', field: 'title' });
  await assert.rejects(api('POST', '/api/posts', {}), (error) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 422);
    assert.equal(error.code, 'validation_failed');
    assert.equal(error.message, 'title must be 1 to 200 characters');
    assert.equal(error.field, 'title');
    return true;
  });
});

test('anything else an error answer says is kept in `details`, e.g. the post a link is already at', async () => {
  answer(409, { code: 'already_posted', message: 'that link was posted', field: 'post_url', post_id: 12 });
  await assert.rejects(api('POST', '/api/posts', {}), (error) => {
    assert.equal(error.code, 'already_posted');
    assert.equal(error.field, 'post_url');
    assert.deepEqual(error.details, { post_id: 12 });
    return true;
  });
});

test('an error answer that is not JSON still becomes a readable ApiError', async () => {
  globalThis.fetch = async () => new Response('<h1>Bad Gateway</h1>', { status: 502 });
  await assert.rejects(api('GET', '/api/posts'), (error) => {
    assert.equal(error.status, 502);
    assert.equal(error.message, 'Request failed (502)');
    assert.equal(error.field, null);
    return true;
  });
});

test('a network failure becomes an ApiError with status 0', async () => {
  globalThis.fetch = async () => {
    throw new TypeError('Failed to fetch');
  };
  await assert.rejects(api('GET', '/api/session'), (error) => {
    assert.equal(error.status, 0);
    assert.equal(error.code, 'network_error');
    return true;
  });
});

test('a refusal keeps its Retry-After, so the page can say how long to wait', async () => {
  globalThis.fetch = async () => new Response(JSON.stringify({ code: 'rate_limited', message: 'too many' }), {
    status: 429,
    headers: { 'Content-Type': 'application/json', 'Retry-After': '120' },
  });
  await assert.rejects(api('POST', '/api/users/me/email/verification'), (error) => {
    assert.equal(error.status, 429);
    assert.equal(error.retryAfter, '120');
    return true;
  });
  answer(404, { code: 'not_found', message: 'no such post' });
  await assert.rejects(api('GET', '/api/posts/9'), (error) => error.retryAfter === null);
});

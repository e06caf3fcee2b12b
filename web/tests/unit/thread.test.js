import assert from 'node:assert/strict';
import { test } from 'node:test';

import { canReply, depthClass, isOwn, MAX_DEPTH, nestComments } from '../../js/thread.js';

const comment = (id, parent_id = null, depth = 0, extra = {}) =>
  ({ id, parent_id, depth, deleted: false, author: { id: 1, username: 'ada' }, ...extra });

/** The tree as nested ids, e.g. [1, [2, [3]], 4]. */
const shape = (nodes) => nodes.flatMap(({ comment: c, replies }) => (replies.length ? [c.id, shape(replies)] : [c.id]));

test('replies are nested under what they answer, in the order they came', () => {
  const thread = [comment(1), comment(2, 1, 1), comment(3, 2, 2), comment(5, 1, 1), comment(4)];
  assert.deepEqual(shape(nestComments(thread)), [1, [2, [3], 5], 4]);
});

test('an empty thread has no comments', () => {
  assert.deepEqual(nestComments([]), []);
});

test('a reply whose parent is missing is kept, at top level', () => {
  assert.deepEqual(shape(nestComments([comment(1), comment(9, 7, 3)])), [1, 9]);
});

test('each depth has its own class, kept within 0 to 8', () => {
  assert.equal(depthClass(0), 'depth-0');
  assert.equal(depthClass(3), 'depth-3');
  assert.equal(depthClass(MAX_DEPTH), 'depth-8');
  assert.equal(depthClass(12), 'depth-8');
  assert.equal(depthClass(-1), 'depth-0');
  assert.equal(depthClass(undefined), 'depth-0');
});

test('a comment takes replies unless it is deleted, removed or already at depth 8', () => {
  assert.equal(canReply(comment(1, null, 0)), true);
  assert.equal(canReply(comment(1, 2, 7)), true);
  assert.equal(canReply(comment(1, 2, 8)), false);
  assert.equal(canReply(comment(1, null, 0, { deleted: true, author: null })), false);
  assert.equal(canReply(comment(1, null, 0, { removed: { reason: 'spam', at: '2024-03-05T15:00:00Z' } })), false);
  assert.equal(canReply(comment(1, null, 0, { removed: null })), true);
});

test('only its author, logged in, owns a comment', () => {
  const mine = comment(1);
  assert.equal(isOwn(mine, { logged_in: true, user: { id: 1, username: 'ada' } }), true);
  assert.equal(isOwn(mine, { logged_in: true, user: { id: 2, username: 'bob' } }), false);
  assert.equal(isOwn(mine, { logged_in: false, user: null }), false);
  assert.equal(isOwn(comment(1, null, 0, { deleted: true, author: null }), { logged_in: true, user: { id: 1 } }), false);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { filtersSaved, parseExcluded } from '../../js/filters.js';

test('the stored filters are read back as tag names, each once and sorted', () => {
  assert.deepEqual(parseExcluded('["rust","go","rust"]'), ['go', 'rust']);
  assert.deepEqual(parseExcluded('[]'), []);
});

test('nothing stored, or something else than a list of names, filters nothing', () => {
  for (const stored of [null, '', 'rust', '{"tags":["rust"]}', '"rust"', 'not json', '[1, 2]']) {
    assert.deepEqual(parseExcluded(stored), [], String(stored));
  }
});

test('a stored name that no tag could have is dropped rather than sent (the API would refuse it)', () => {
  assert.deepEqual(parseExcluded('["Rust","c++","a","go,rust","web-dev",null]'), ['web-dev']);
  assert.deepEqual(parseExcluded(JSON.stringify(['x'.repeat(26), 'x'.repeat(25)])), ['x'.repeat(25)]);
});

test('saving says which tags are now left out', () => {
  assert.equal(filtersSaved([]), 'Saved: no tags are filtered.');
  assert.equal(filtersSaved(['rust']), 'Saved: posts tagged rust are left out.');
  assert.equal(filtersSaved(['go', 'rust']), 'Saved: posts tagged go or rust are left out.');
  assert.equal(filtersSaved(['c', 'go', 'rust']), 'Saved: posts tagged c, go or rust are left out.');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyConfChange, ConfChangeType, decodeConfChange, encodeConfChange } from './confchange.js';

test('conf changes: learner, promotion, removal; re-applying changes nothing', () => {
  let cs = {
    voters: ['a', 'b'],
    learners: [] as string[],
    addrs: { a: 'h:1', b: 'h:2' } as Record<string, string>,
  };
  cs = applyConfChange(cs, { type: ConfChangeType.AddLearner, id: 'c', addr: 'h:3' });
  assert.deepEqual(cs, { voters: ['a', 'b'], learners: ['c'], addrs: { a: 'h:1', b: 'h:2', c: 'h:3' } });
  cs = applyConfChange(cs, { type: ConfChangeType.AddVoter, id: 'c', addr: 'h:3' });
  assert.deepEqual([cs.voters, cs.learners], [['a', 'b', 'c'], []]);
  assert.deepEqual(applyConfChange(cs, { type: ConfChangeType.AddVoter, id: 'c', addr: 'h:3' }), cs);
  cs = applyConfChange(cs, { type: ConfChangeType.Remove, id: 'a', addr: '' });
  assert.deepEqual(cs, { voters: ['b', 'c'], learners: [], addrs: { b: 'h:2', c: 'h:3' } });
  assert.deepEqual(applyConfChange(cs, { type: ConfChangeType.Remove, id: 'a', addr: '' }), cs);
});

test('conf change entries round-trip and malformed ones are refused', () => {
  const cc = { type: ConfChangeType.AddLearner, id: 'x', addr: '127.0.0.1:2377' };
  assert.deepEqual(decodeConfChange(encodeConfChange(cc)), cc);
  assert.throws(
    () => decodeConfChange(new TextEncoder().encode('{"t":"bogus","i":"x","a":""}')),
    /malformed/,
  );
});

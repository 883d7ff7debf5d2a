// Unit tests of the core beyond Figure 2: learners, flow control, pre-vote, check-quorum, transfer, snapshots.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { elect, ent, newRaft, take } from './testing/raft-fixture.js';
import { ProgressState } from './tracker/progress.js';
import { MessageType, message, StateType } from './types.js';

test('learners never campaign and their acknowledgements do not count toward commit', () => {
  const learner = newRaft('4', ['1', '2', '3'], { learners: ['4'] });
  for (let i = 0; i < 50; i++) learner.tick();
  assert.equal(learner.state, StateType.Follower);
  assert.deepEqual(take(learner), []);

  const r = newRaft('1', ['1', '2', '3'], { learners: ['4', '5'] });
  elect(r);
  take(r);
  r.step(message({ type: MessageType.AppResp, from: '4', to: '1', term: r.term, index: 1 }));
  r.step(message({ type: MessageType.AppResp, from: '5', to: '1', term: r.term, index: 1 }));
  assert.equal(r.raftLog.committed, 0, 'two learners and the leader are not a quorum of voters');
  r.step(message({ type: MessageType.AppResp, from: '2', to: '1', term: r.term, index: 1 }));
  assert.equal(r.raftLog.committed, 1);
});

test('flow control: at most maxInflightMsgs appends are outstanding to a replicating follower', () => {
  const r = newRaft('1', ['1', '2'], { maxInflightMsgs: 3, maxSizePerMsg: 1 });
  elect(r);
  r.step(message({ type: MessageType.AppResp, from: '2', to: '1', term: r.term, index: 1 }));
  take(r);
  for (let i = 0; i < 10; i++)
    r.step(message({ type: MessageType.Prop, from: '1', entries: [ent(0, 0, `p${i}`)] }));
  const sent = take(r).filter((m) => m.type === MessageType.App && m.entries.length > 0);
  assert.equal(sent.length, 3);
  assert.equal(r.trk.progress.get('2')!.state, ProgressState.Replicate);
  // One acknowledgement frees one slot.
  r.step(
    message({
      type: MessageType.AppResp,
      from: '2',
      to: '1',
      term: r.term,
      index: sent[0]!.entries[0]!.index,
    }),
  );
  assert.equal(take(r).filter((m) => m.type === MessageType.App && m.entries.length > 0).length, 1);
});

test('pre-vote: a node that cannot win does not raise its term; one that can, does', () => {
  const r = newRaft('1', ['1', '2', '3'], { preVote: true, log: [[1, 1]], hardState: { term: 1 } });
  r.hup(false);
  assert.equal(r.state, StateType.PreCandidate);
  assert.equal(r.term, 1, 'a pre-candidate keeps its term');
  const reqs = take(r);
  assert.deepEqual(
    reqs.map((m) => [m.type, m.term]),
    [
      [MessageType.PreVote, 2],
      [MessageType.PreVote, 2],
    ],
  );
  r.step(message({ type: MessageType.PreVoteResp, from: '2', to: '1', term: 1, reject: true }));
  r.step(message({ type: MessageType.PreVoteResp, from: '3', to: '1', term: 1, reject: true }));
  assert.equal(r.state, StateType.Follower);
  assert.equal(r.term, 1);
  r.hup(false);
  take(r);
  r.step(message({ type: MessageType.PreVoteResp, from: '2', to: '1', term: 2 }));
  assert.equal(r.state, StateType.Candidate);
  assert.equal(r.term, 2);
});

test('check-quorum: followers that heard from a leader within an election timeout ignore vote requests', () => {
  const f = newRaft('2', ['1', '2', '3'], { checkQuorum: true });
  f.step(message({ type: MessageType.Heartbeat, from: '1', to: '2', term: 1 }));
  take(f);
  f.step(message({ type: MessageType.Vote, from: '3', to: '2', term: 2, index: 5, logTerm: 1 }));
  assert.equal(f.term, 1);
  assert.deepEqual(take(f), []);
  // A transfer vote bypasses the lease.
  f.step(
    message({ type: MessageType.Vote, from: '3', to: '2', term: 2, index: 5, logTerm: 1, transfer: true }),
  );
  assert.equal(f.term, 2);
  assert.equal(f.vote, '3');
});

test('check-quorum: a leader steps down after exactly one election timeout without a quorum', () => {
  const r = newRaft('1', ['1', '2', '3'], { checkQuorum: true, electionTick: 10 });
  elect(r);
  for (let i = 0; i < 9; i++) r.tick();
  assert.equal(r.state, StateType.Leader);
  r.tick();
  assert.equal(r.state, StateType.Follower);
});

test('leadership transfer: the transferee gets TimeoutNow once it has the whole log; proposals wait', () => {
  const r = newRaft('1', ['1', '2', '3']);
  elect(r);
  take(r);
  r.step(message({ type: MessageType.TransferLeader, from: '2' }));
  assert.equal(r.leadTransferee, '2');
  const msgs = take(r);
  assert.ok(
    msgs.every((m) => m.type !== MessageType.TimeoutNow),
    'not before 2 has caught up',
  );
  assert.throws(
    () => r.step(message({ type: MessageType.Prop, from: '1', entries: [ent(0, 0, 'x')] })),
    /being transferred/,
  );
  r.step(
    message({ type: MessageType.AppResp, from: '2', to: '1', term: r.term, index: r.raftLog.lastIndex() }),
  );
  assert.ok(take(r).some((m) => m.type === MessageType.TimeoutNow && m.to === '2'));
  // Not completed within an election timeout: abandoned, proposals flow again.
  for (let i = 0; i < 10; i++) r.tick();
  assert.equal(r.leadTransferee, '');
});

test('a follower too far behind gets the snapshot; a lost snapshot is retried after a report or a timeout', () => {
  const r = newRaft('1', ['1', '2', '3'], {
    log: [
      [1, 1],
      [2, 1],
      [3, 1],
    ],
    hardState: { term: 1, commit: 3 },
    applied: 3,
  });
  const storage = r.raftLog.storage as import('./storage.js').MemoryStorage;
  storage.createSnapshot(3, r.confState(), new Uint8Array([1, 2, 3]));
  storage.compact(3);
  elect(r);
  take(r);
  // Follower 2 has nothing: it rejects the first append (after 3) and hints at index 0.
  r.step(
    message({
      type: MessageType.AppResp,
      from: '2',
      to: '1',
      term: r.term,
      index: 3,
      reject: true,
      rejectHint: 0,
      logTerm: 0,
    }),
  );
  const snap = take(r).find((m) => m.type === MessageType.Snap);
  assert.equal(snap?.snapshot?.meta.index, 3);
  const pr = r.trk.progress.get('2')!;
  assert.equal(pr.state, ProgressState.Snapshot);
  r.reportSnapshot('2', false);
  assert.equal(pr.state, ProgressState.Probe);
  // Sent again on the next heartbeat answer; this time no report comes: the leader gives up after a while.
  r.step(message({ type: MessageType.HeartbeatResp, from: '2', to: '1', term: r.term }));
  assert.ok(take(r).some((m) => m.type === MessageType.Snap));
  for (let i = 0; i <= 50; i++) r.tick();
  assert.equal(pr.state, ProgressState.Probe);
});

test('read index: served only once a majority acknowledged the heartbeat that carries the request', () => {
  const r = newRaft('1', ['1', '2', '3', '4', '5']);
  elect(r);
  // The leader must have committed an entry of its term before it can serve reads.
  for (const f of ['2', '3'])
    r.step(message({ type: MessageType.AppResp, from: f, to: '1', term: r.term, index: 1 }));
  take(r);
  const ctx = new TextEncoder().encode('read-1');
  r.step(message({ type: MessageType.ReadIndex, from: '1', context: ctx }));
  const hbs = take(r).filter((m) => m.type === MessageType.Heartbeat);
  assert.equal(hbs.length, 4);
  assert.ok(hbs.every((m) => new TextDecoder().decode(m.context) === 'read-1'));
  r.step(message({ type: MessageType.HeartbeatResp, from: '2', to: '1', term: r.term, context: ctx }));
  assert.equal(r.readStates.length, 0, 'leader + 1 of 5 is no majority');
  r.step(message({ type: MessageType.HeartbeatResp, from: '3', to: '1', term: r.term, context: ctx }));
  assert.deepEqual(
    r.readStates.map((rs) => rs.index),
    [1],
  );
});

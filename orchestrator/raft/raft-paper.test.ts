// Unit tests for the rules of Figure 2 of the Raft paper ("In Search of an Understandable Consensus
// Algorithm", Ongaro & Ousterhout). Each test names the rule it checks in brackets.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RawNode } from './raw-node.js';
import { MemoryCluster } from './testing/memory-cluster.js';
import { elect, ent, logOf, newRaft, persist, take } from './testing/raft-fixture.js';
import { MessageType, message, None, StateType } from './types.js';

const peers = ['1', '2', '3'];

describe('Figure 2: rules for all servers', () => {
  test('[All servers: term] a request with a higher term makes any role a follower of that term', () => {
    for (const role of ['follower', 'candidate', 'leader'] as const) {
      const r = newRaft('1', peers);
      if (role === 'candidate') r.becomeCandidate();
      if (role === 'leader') elect(r);
      r.step(message({ type: MessageType.App, from: '2', to: '1', term: 10 }));
      assert.equal(r.state, StateType.Follower, role);
      assert.equal(r.term, 10);
      assert.equal(r.lead, '2');
    }
  });

  test('[All servers: term] a response with a higher term makes a leader step down', () => {
    const r = newRaft('1', peers);
    elect(r);
    r.step(message({ type: MessageType.AppResp, from: '2', to: '1', term: r.term + 1 }));
    assert.equal(r.state, StateType.Follower);
    assert.equal(r.lead, None);
  });

  test('[All servers: apply] committed entries are handed to the application once, in order', () => {
    const c = new MemoryCluster(peers);
    c.elect('1');
    for (const v of ['a', 'b', 'c']) c.propose('1', v);
    c.stabilize();
    for (const id of peers) assert.deepEqual(c.appliedData(id), ['a', 'b', 'c']);
    c.stabilize();
    assert.deepEqual(c.appliedData('2'), ['a', 'b', 'c']);
  });

  test('[State: persistent] a vote is in the hard state of the same Ready that carries the vote response', () => {
    const storage = newRaft('1', peers).raftLog.storage;
    const rn = new RawNode({
      id: '1',
      electionTick: 10,
      heartbeatTick: 1,
      storage,
      random: () => 0,
      preVote: false,
    });
    rn.step(message({ type: MessageType.Vote, from: '2', to: '1', term: 5, index: 0, logTerm: 0 }));
    const rd = rn.ready();
    assert.equal(rd.hardState?.vote, '2');
    assert.equal(rd.hardState?.term, 5);
    assert.ok(rd.mustSync);
    assert.ok(rd.messages.some((m) => m.type === MessageType.VoteResp && !m.reject));
  });
});

describe('Figure 2: followers', () => {
  test('[Followers] respond to heartbeats of the current leader and reset their election timer', () => {
    const r = newRaft('1', peers);
    r.becomeFollower(2, '2');
    r.tick();
    r.tick();
    r.step(message({ type: MessageType.Heartbeat, from: '2', to: '1', term: 2 }));
    assert.equal(r.electionElapsed, 0);
    assert.deepEqual(
      take(r).map((m) => [m.type, m.to]),
      [[MessageType.HeartbeatResp, '2']],
    );
  });

  test('[Followers] become candidates when the election timeout elapses', () => {
    const r = newRaft('1', peers);
    for (let i = 0; i < 10; i++) r.tick();
    assert.equal(r.state, StateType.Candidate);
    assert.equal(r.term, 1);
  });

  test('[Followers] the election timeout is random in [T, 2T)', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 100; i++) {
      const r = newRaft('1', peers, { random: () => i / 100 });
      let ticks = 0;
      while (r.state === StateType.Follower) {
        r.tick();
        ticks++;
      }
      assert.ok(ticks >= 10 && ticks < 20, `timeout ${ticks}`);
      seen.add(ticks);
    }
    assert.equal(seen.size, 10);
  });
});

describe('Figure 2: candidates', () => {
  test('[Candidates] on conversion: increment term, vote for self, request votes from every other server', () => {
    const r = newRaft('1', peers, { log: [[1, 1]], hardState: { term: 1 } });
    r.hup(false);
    assert.equal(r.term, 2);
    assert.equal(r.vote, '1');
    assert.equal(r.electionElapsed, 0);
    const msgs = take(r);
    assert.deepEqual(
      msgs.map((m) => [m.type, m.to, m.term, m.index, m.logTerm]),
      [
        [MessageType.Vote, '2', 2, 1, 1],
        [MessageType.Vote, '3', 2, 1, 1],
      ],
    );
  });

  test('[Candidates] votes from a majority make the candidate leader', () => {
    for (const [size, grants, leader] of [
      [3, ['2'], true],
      [5, ['2'], false],
      [5, ['2', '3'], true],
    ] as const) {
      const ids = Array.from({ length: size }, (_, i) => String(i + 1));
      const r = newRaft('1', ids);
      r.hup(false);
      for (const g of grants) r.step(message({ type: MessageType.VoteResp, from: g, to: '1', term: 1 }));
      assert.equal(r.state === StateType.Leader, leader, `${size} voters, grants ${grants}`);
    }
  });

  test('[Candidates] rejections from a majority make the candidate a follower', () => {
    const r = newRaft('1', peers);
    r.hup(false);
    r.step(message({ type: MessageType.VoteResp, from: '2', to: '1', term: 1, reject: true }));
    r.step(message({ type: MessageType.VoteResp, from: '3', to: '1', term: 1, reject: true }));
    assert.equal(r.state, StateType.Follower);
  });

  test('[Candidates] an AppendEntries from the new leader of the same term makes the candidate a follower', () => {
    const r = newRaft('1', peers);
    r.hup(false);
    r.step(message({ type: MessageType.App, from: '2', to: '1', term: 1 }));
    assert.equal(r.state, StateType.Follower);
    assert.equal(r.lead, '2');
  });

  test('[Candidates] when the election timeout elapses again, a new election starts in a new term', () => {
    const r = newRaft('1', peers);
    r.hup(false);
    assert.equal(r.term, 1);
    for (let i = 0; i < 10; i++) r.tick();
    assert.equal(r.state, StateType.Candidate);
    assert.equal(r.term, 2);
  });
});

describe('Figure 2: RequestVote receiver', () => {
  test('[RequestVote 1] reply false if term < currentTerm', () => {
    const r = newRaft('1', peers, { hardState: { term: 5 } });
    r.step(message({ type: MessageType.Vote, from: '2', to: '1', term: 4 }));
    assert.equal(r.vote, None);
    const [resp] = take(r);
    assert.deepEqual([resp!.type, resp!.reject, resp!.term], [MessageType.VoteResp, true, 5]);
  });

  test('[RequestVote 2] grant only if not voted for another in this term', () => {
    const r = newRaft('1', peers);
    r.step(message({ type: MessageType.Vote, from: '2', to: '1', term: 1 }));
    r.step(message({ type: MessageType.Vote, from: '3', to: '1', term: 1 }));
    r.step(message({ type: MessageType.Vote, from: '2', to: '1', term: 1 }));
    assert.deepEqual(
      take(r).map((m) => [m.to, m.reject]),
      [
        ['2', false],
        ['3', true],
        ['2', false],
      ],
    );
    assert.equal(r.vote, '2');
  });

  test('[RequestVote 2] grant only if the candidate log is at least as up-to-date (5.4.1)', () => {
    // Our log ends at 2/2.
    const cases: [number, number, boolean][] = [
      [1, 1, false], // lower last term
      [3, 1, false], // lower last term, longer
      [1, 2, false], // same term, shorter
      [2, 2, true], // same
      [3, 2, true], // same term, longer
      [1, 3, true], // higher last term, shorter
    ];
    for (const [index, logTerm, granted] of cases) {
      const r = newRaft('1', peers, {
        log: [
          [1, 1],
          [2, 2],
        ],
        hardState: { term: 2 },
      });
      r.step(message({ type: MessageType.Vote, from: '2', to: '1', term: 3, index, logTerm }));
      const [resp] = take(r);
      assert.equal(resp!.reject, !granted, `candidate last ${index}/${logTerm}`);
    }
  });
});

describe('Figure 2: AppendEntries receiver', () => {
  test('[AppendEntries 1] reply false (with our term) if term < currentTerm', () => {
    const r = newRaft('1', peers, { hardState: { term: 3 } });
    r.step(message({ type: MessageType.App, from: '2', to: '1', term: 2, entries: [ent(1, 2)] }));
    const [resp] = take(r);
    assert.equal(resp!.type, MessageType.AppResp);
    assert.equal(resp!.term, 3);
    assert.equal(r.raftLog.lastIndex(), 0);
  });

  test('[AppendEntries 2] reply false if the log has no entry at prevLogIndex with prevLogTerm', () => {
    const r = newRaft('1', peers, {
      log: [
        [1, 1],
        [2, 2],
      ],
      hardState: { term: 2 },
    });
    for (const [index, logTerm] of [
      [2, 3],
      [3, 2],
    ]) {
      r.step(
        message({
          type: MessageType.App,
          from: '2',
          to: '1',
          term: 3,
          index,
          logTerm,
          entries: [ent(index + 1, 3)],
        }),
      );
      const [resp] = take(r);
      assert.equal(resp!.reject, true, `prev ${index}/${logTerm}`);
    }
    assert.deepEqual(logOf(r), [
      [1, 1],
      [2, 2],
    ]);
  });

  test('[AppendEntries 3] a conflicting entry and all that follow it are deleted', () => {
    const r = newRaft('1', peers, {
      log: [
        [1, 1],
        [2, 1],
        [3, 1],
      ],
      hardState: { term: 1 },
    });
    r.step(
      message({
        type: MessageType.App,
        from: '2',
        to: '1',
        term: 2,
        index: 1,
        logTerm: 1,
        entries: [ent(2, 2)],
      }),
    );
    assert.deepEqual(logOf(r), [
      [1, 1],
      [2, 2],
    ]);
  });

  test('[AppendEntries 4] new entries are appended; entries already present are kept', () => {
    const r = newRaft('1', peers, {
      log: [
        [1, 1],
        [2, 1],
      ],
      hardState: { term: 1 },
    });
    r.step(
      message({
        type: MessageType.App,
        from: '2',
        to: '1',
        term: 1,
        index: 0,
        logTerm: 0,
        entries: [ent(1, 1), ent(2, 1), ent(3, 1)],
      }),
    );
    assert.deepEqual(logOf(r), [
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
    // A stale, shorter append does not truncate what follows.
    r.step(
      message({
        type: MessageType.App,
        from: '2',
        to: '1',
        term: 1,
        index: 0,
        logTerm: 0,
        entries: [ent(1, 1)],
      }),
    );
    assert.equal(r.raftLog.lastIndex(), 3);
  });

  test('[AppendEntries 5] commitIndex = min(leaderCommit, index of last new entry)', () => {
    const r = newRaft('1', peers, { hardState: { term: 1 } });
    r.step(
      message({
        type: MessageType.App,
        from: '2',
        to: '1',
        term: 1,
        index: 0,
        logTerm: 0,
        commit: 5,
        entries: [ent(1, 1), ent(2, 1)],
      }),
    );
    assert.equal(r.raftLog.committed, 2);
    r.step(
      message({
        type: MessageType.App,
        from: '2',
        to: '1',
        term: 1,
        index: 2,
        logTerm: 1,
        commit: 1,
        entries: [],
      }),
    );
    assert.equal(r.raftLog.committed, 2, 'commit never goes back');
  });
});

describe('Figure 2: leaders', () => {
  test('[Leaders] upon election, send an empty-of-old-data AppendEntries (with a new-term entry) to each server', () => {
    const r = newRaft('1', peers);
    r.hup(false);
    take(r);
    r.step(message({ type: MessageType.VoteResp, from: '2', to: '1', term: 1 }));
    assert.equal(r.state, StateType.Leader);
    const apps = take(r).filter((m) => m.type === MessageType.App);
    assert.deepEqual(
      apps.map((m) => [m.to, m.entries.map((e) => [e.index, e.term, e.data.byteLength])]),
      [
        ['2', [[1, 1, 0]]],
        ['3', [[1, 1, 0]]],
      ],
    );
  });

  test('[Leaders] send heartbeats during idle periods', () => {
    const r = newRaft('1', peers, { heartbeatTick: 2 });
    elect(r);
    r.tick();
    assert.deepEqual(take(r), []);
    r.tick();
    assert.deepEqual(
      take(r).map((m) => [m.type, m.to]),
      [
        [MessageType.Heartbeat, '2'],
        [MessageType.Heartbeat, '3'],
      ],
    );
  });

  test('[Leaders] a client command is appended to the local log and replicated', () => {
    const r = newRaft('1', peers);
    elect(r);
    take(r);
    // Followers acknowledge the leader's first entry, which moves them from probing to replicating.
    for (const f of ['2', '3'])
      r.step(message({ type: MessageType.AppResp, from: f, to: '1', term: r.term, index: 1 }));
    take(r);
    r.step(message({ type: MessageType.Prop, from: '1', entries: [ent(0, 0, 'x')] }));
    assert.deepEqual(logOf(r).at(-1), [2, 1]);
    assert.deepEqual(
      take(r).map((m) => [m.type, m.to, m.entries.length]),
      [
        [MessageType.App, '2', 1],
        [MessageType.App, '3', 1],
      ],
    );
  });

  test('[Leaders] a client is answered only after its entry is applied', () => {
    const c = new MemoryCluster(peers);
    c.elect('1');
    c.isolate('2');
    c.isolate('3');
    c.propose('1', 'x');
    c.stabilize();
    assert.deepEqual(c.appliedData('1'), [], 'not applied without a quorum');
    c.heal();
    c.tick('1', 1);
    c.stabilize();
    assert.deepEqual(c.appliedData('1'), ['x']);
  });

  test('[Leaders] on success update nextIndex and matchIndex; on inconsistency decrement nextIndex and retry', () => {
    const r = newRaft('1', peers, {
      log: [
        [1, 1],
        [2, 1],
        [3, 1],
      ],
      hardState: { term: 1 },
    });
    elect(r);
    take(r);
    const pr = r.trk.progress.get('2')!;
    assert.equal(pr.next, 4);
    // The follower has only entry 1: it rejects the append after 3 and hints at its last index.
    r.step(
      message({
        type: MessageType.AppResp,
        from: '2',
        to: '1',
        term: r.term,
        index: 3,
        reject: true,
        rejectHint: 1,
        logTerm: 1,
      }),
    );
    assert.equal(pr.next, 2);
    const [retry] = take(r);
    assert.deepEqual(
      [retry!.type, retry!.index, retry!.logTerm, retry!.entries.map((e) => e.index)],
      [MessageType.App, 1, 1, [2, 3, 4]],
    );
    r.step(message({ type: MessageType.AppResp, from: '2', to: '1', term: r.term, index: 4 }));
    assert.equal(pr.match, 4);
    assert.equal(pr.next, 5);
  });

  test('[Leaders] fast back-off skips a whole conflicting term in one round trip', () => {
    // Leader log: 1/1 2/1 3/3 4/3 5/3 ... follower log: 1/1 2/2 3/2 4/2 5/2 6/2.
    const r = newRaft('1', peers, {
      log: [
        [1, 1],
        [2, 1],
        [3, 3],
        [4, 3],
        [5, 3],
        [6, 3],
        [7, 3],
      ],
      hardState: { term: 3 },
    });
    elect(r);
    take(r);
    const f = newRaft('2', peers, {
      log: [
        [1, 1],
        [2, 2],
        [3, 2],
        [4, 2],
        [5, 2],
        [6, 2],
      ],
      hardState: { term: 2 },
    });
    let rounds = 0;
    const pr = r.trk.progress.get('2')!;
    let msgs = [
      message({
        type: MessageType.App,
        from: '1',
        to: '2',
        term: r.term,
        index: pr.next - 1,
        logTerm: r.raftLog.term(pr.next - 1)!,
      }),
    ];
    while (msgs.length > 0 && rounds < 10) {
      rounds++;
      for (const m of msgs) f.step(m);
      const resps = take(f);
      for (const m of resps) r.step(m);
      msgs = take(r).filter((m) => m.to === '2' && m.type === MessageType.App);
      if (f.raftLog.lastIndex() === r.raftLog.lastIndex() && f.raftLog.matchTerm(8, r.term)) break;
    }
    assert.deepEqual(logOf(f), logOf(r));
    assert.ok(rounds <= 3, `took ${rounds} round trips`);
  });

  test('[Leaders] commit N only if a majority has it and log[N].term == currentTerm (Figure 8)', () => {
    // Entry 2 is from term 2; the leader of term 4 has it on a majority but must not commit it by counting.
    const r = newRaft('1', peers, {
      log: [
        [1, 1],
        [2, 2],
      ],
      hardState: { term: 3, commit: 1 },
    });
    elect(r); // term 4, appends 3/4 (persisted by elect)
    take(r);
    r.step(message({ type: MessageType.AppResp, from: '2', to: '1', term: r.term, index: 2 }));
    assert.equal(r.raftLog.committed, 1, 'an entry of an older term is not committed by counting replicas');
    r.step(message({ type: MessageType.AppResp, from: '2', to: '1', term: r.term, index: 3 }));
    assert.equal(r.raftLog.committed, 3, 'committing 3/4 commits 2/2 with it');
  });

  test('[Leaders] the leader counts its own log only once persisted', () => {
    const r = newRaft('1', peers);
    elect(r);
    take(r);
    r.step(message({ type: MessageType.Prop, from: '1', entries: [ent(0, 0, 'x')] }));
    r.step(message({ type: MessageType.AppResp, from: '2', to: '1', term: r.term, index: 2 }));
    assert.equal(r.raftLog.committed, 1, 'one follower has entry 2 on disk, the leader not yet: no majority');
    persist(r);
    assert.equal(r.raftLog.committed, 2, 'leader and one follower have it on disk');
    const single = newRaft('1', ['1']);
    single.hup(false);
    assert.equal(single.state, StateType.Leader);
    assert.equal(single.raftLog.committed, 0, 'not committed before the leader persisted');
    persist(single);
    assert.equal(single.raftLog.committed, 1);
  });
});

describe('Figure 2: Leader Completeness (5.4) across an election', () => {
  test('a committed entry survives the loss of its leader', () => {
    const c = new MemoryCluster(['1', '2', '3', '4', '5']);
    c.elect('1');
    c.propose('1', 'kept');
    c.stabilize();
    c.isolate('1');
    // The others stop hearing from 1; once their election timeouts pass one of them takes over.
    for (let i = 0; i < 20 && c.leaders()[0] === '1'; i++) {
      for (const id of ['2', '3', '4', '5']) c.tick(id);
      c.stabilize();
    }
    const [leader] = c.leaders();
    assert.notEqual(leader, '1');
    c.propose(leader!, 'next');
    c.stabilize();
    for (const id of ['2', '3', '4', '5']) assert.deepEqual(c.appliedData(id), ['kept', 'next']);
  });
});

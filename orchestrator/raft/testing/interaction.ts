/**
 * @module The scenario-test environment: a MemoryCluster driven by the commands of `testdata/*.txt`.
 * Each command returns the trace it caused (messages delivered, role changes) or what it reports.
 */
import { ConfChangeType } from '../confchange/confchange.js';
import type { Case } from './datadriven.js';
import { describeEntry, MemoryCluster, type MemoryClusterOptions } from './memory-cluster.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

type Handler = (env: InteractionEnv, args: string[]) => string;

function options(args: string[]): { ids: string[]; opts: MemoryClusterOptions } {
  const ids: string[] = [];
  const opts: MemoryClusterOptions = {};
  for (const a of args) {
    const [k, v] = a.split('=');
    if (v === undefined) ids.push(a);
    else if (k === 'prevote') opts.preVote = v === 'true';
    else if (k === 'checkquorum') opts.checkQuorum = v === 'true';
    else if (k === 'election') opts.electionTick = Number(v);
    else if (k === 'heartbeat') opts.heartbeatTick = Number(v);
    else if (k === 'inflight') opts.maxInflightMsgs = Number(v);
    else if (k === 'maxsize') opts.maxSizePerMsg = Number(v);
    else throw new Error(`unknown option ${k}`);
  }
  return { ids, opts };
}

/** InteractionEnv holds the cluster between commands of one script. */
export class InteractionEnv {
  cluster: MemoryCluster | undefined;
  private traced = 0;

  get c(): MemoryCluster {
    if (!this.cluster) throw new Error('no cluster: start the script with "cluster <ids...>"');
    return this.cluster;
  }

  /** Trace lines since the last call. */
  newTrace(): string {
    const lines = this.c.trace.slice(this.traced);
    this.traced = this.c.trace.length;
    return lines.join('\n');
  }

  run(c: Case): string {
    const h = handlers[c.command];
    if (!h) return `unknown command ${c.command}`;
    try {
      return h(this, c.args);
    } catch (err) {
      return `error: ${(err as Error).message}`;
    }
  }
}

function statusLine(env: InteractionEnv, id: string): string {
  const s = env.c.get(id).raw.status();
  let line = `${id}: ${s.state}${s.isLearner ? ' (learner)' : ''} term=${s.term} lead=${s.lead || '-'} commit=${s.commit} applied=${s.applied} last=${s.lastIndex} quorum=${s.hasQuorum ? 'yes' : 'no'}`;
  for (const [pid, pr] of s.progress) {
    if (pid !== id)
      line += `\n  ${pid}: match=${pr.match} next=${pr.next} ${pr.state}${pr.isLearner ? ' learner' : ''}${pr.active ? '' : ' inactive'}`;
  }
  return line;
}

const handlers: Record<string, Handler> = {
  cluster(env, args) {
    const { ids, opts } = options(args);
    env.cluster = new MemoryCluster(ids, opts);
    env.newTrace();
    return 'ok';
  },
  'add-node'(env, [id]) {
    env.c.addEmpty(id!);
    return 'ok';
  },
  campaign(env, [id]) {
    env.c.get(id!).raw.campaign();
    env.c.process(id!);
    return env.newTrace();
  },
  stabilize(env) {
    env.c.stabilize();
    return env.newTrace();
  },
  deliver(env) {
    for (const id of env.c.members.keys()) env.c.process(id);
    env.c.deliver();
    for (const id of env.c.members.keys()) env.c.process(id);
    return env.newTrace();
  },
  tick(env, [id, n]) {
    env.c.tick(id!, Number(n ?? 1));
    env.c.process(id!);
    return env.newTrace();
  },
  'tick-heartbeat'(env, [id]) {
    env.c.tick(id!, env.c.get(id!).raw.raft.heartbeatTimeout);
    env.c.process(id!);
    return env.newTrace();
  },
  'tick-election'(env, [id]) {
    env.c.tickElection(id!);
    env.c.process(id!);
    return env.newTrace();
  },
  propose(env, [id, data]) {
    const index = env.c.get(id!).raw.propose([encoder.encode(data!)]);
    env.c.process(id!);
    return index === 0 ? 'forwarded to the leader' : `index ${index}`;
  },
  isolate(env, [id]) {
    env.c.isolate(id!);
    return 'ok';
  },
  cut(env, [from, to]) {
    env.c.cutLink(from!, to!);
    return 'ok';
  },
  heal(env) {
    env.c.heal();
    return 'ok';
  },
  status(env, ids) {
    return ids.map((id) => statusLine(env, id)).join('\n');
  },
  log(env, [id]) {
    return env.c.get(id!).raw.raft.raftLog.allEntries().map(describeEntry).join('\n');
  },
  applied(env, ids) {
    return ids.map((id) => `${id}: ${env.c.appliedData(id).join(' ') || '(none)'}`).join('\n');
  },
  transfer(env, [from, to]) {
    env.c.get(from!).raw.transferLeader(to!);
    env.c.process(from!);
    return env.newTrace();
  },
  'read-index'(env, [id, ctx]) {
    const ok = env.c.get(id!).raw.readIndex(encoder.encode(ctx!));
    env.c.process(id!);
    return ok ? 'requested' : 'dropped: no leader';
  },
  'read-states'(env, [id]) {
    const m = env.c.get(id!);
    const out = m.readStates.map((rs) => `${decoder.decode(rs.context)} at ${rs.index}`);
    m.readStates = [];
    return out.join('\n') || '(none)';
  },
  conf(env, [leader, op, id]) {
    const types: Record<string, ConfChangeType> = {
      'add-learner': ConfChangeType.AddLearner,
      'add-voter': ConfChangeType.AddVoter,
      remove: ConfChangeType.Remove,
    };
    const type = types[op!];
    if (!type) throw new Error(`unknown conf change ${op}`);
    const index = env.c.get(leader!).raw.proposeConfChange({ type, id: id!, addr: `${id}:2377` });
    env.c.process(leader!);
    return `index ${index}`;
  },
  'conf-state'(env, ids) {
    return ids
      .map((id) => {
        const cs = env.c.get(id).raw.confState();
        return `${id}: voters=${cs.voters.join(',')} learners=${cs.learners.join(',') || '-'}`;
      })
      .join('\n');
  },
  compact(env, [id]) {
    return `${id} compacted through ${env.c.compact(id!)}`;
  },
};

/**
 * @module A linearizability checker for a key-value history (Wing & Gong's search with Lowe's memoization, as
 * in Porcupine). Keys are independent registers, so the history is split per key and each part checked alone.
 */

/** One client operation. `ret` is Infinity when the client never learned the outcome (it may have happened). */
export interface KvOp {
  client: number;
  key: string;
  kind: 'put' | 'get';
  /** put: the value written (unique per history). */
  value?: string;
  /** get: the value read (null: absent). */
  output?: string | null;
  call: number;
  ret: number;
}

/** The outcome of a check. */
export interface LinearizabilityResult {
  ok: boolean;
  /** When not ok: the key whose history has no linearization, and that history. */
  key?: string;
  ops?: KvOp[];
  /** True when the search gave up (budget exhausted) rather than proving a violation. */
  inconclusive?: boolean;
}

interface Node {
  op: number;
  isCall: boolean;
  match: Node | undefined;
  prev: Node | undefined;
  next: Node | undefined;
}

type State = string | null;

function stepModel(state: State, op: KvOp): [boolean, State] {
  if (op.kind === 'put') return [true, op.value!];
  return [op.output === state, state];
}

/** Checks one key's history: is there an order of the ops, consistent with real time, that a register allows? */
export function checkRegister(ops: KvOp[], budget = 2_000_000): { ok: boolean; inconclusive: boolean } {
  if (ops.length === 0) return { ok: true, inconclusive: false };
  const events: { time: number; isCall: boolean; op: number }[] = [];
  ops.forEach((op, i) => {
    events.push({ time: op.call, isCall: true, op: i });
    events.push({ time: op.ret, isCall: false, op: i });
  });
  // At equal times calls come first: the lenient reading, which never reports a false violation.
  events.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? a.op - b.op : a.isCall ? -1 : 1));
  const head: Node = { op: -1, isCall: false, match: undefined, prev: undefined, next: undefined };
  let tail = head;
  const calls = new Map<number, Node>();
  for (const ev of events) {
    const n: Node = { op: ev.op, isCall: ev.isCall, match: undefined, prev: tail, next: undefined };
    tail.next = n;
    tail = n;
    if (ev.isCall) calls.set(ev.op, n);
    else calls.get(ev.op)!.match = n;
  }
  const lift = (call: Node): void => {
    call.prev!.next = call.next;
    if (call.next) call.next.prev = call.prev;
    const ret = call.match!;
    ret.prev!.next = ret.next;
    if (ret.next) ret.next.prev = ret.prev;
  };
  const unlift = (call: Node): void => {
    const ret = call.match!;
    ret.prev!.next = ret;
    if (ret.next) ret.next.prev = ret;
    call.prev!.next = call;
    if (call.next) call.next.prev = call;
  };
  const words = Math.ceil(ops.length / 32);
  const linearized = new Uint32Array(words);
  const cache = new Set<string>();
  const stack: { call: Node; state: State }[] = [];
  let state: State = null;
  let entry = head.next;
  let steps = 0;
  while (head.next) {
    if (++steps > budget) return { ok: false, inconclusive: true };
    if (!entry) return { ok: false, inconclusive: false };
    if (entry.isCall) {
      const [ok, next] = stepModel(state, ops[entry.op]!);
      if (ok) {
        linearized[entry.op >>> 5]! |= 1 << (entry.op & 31);
        const key = `${linearized.join(',')}|${next}`;
        if (!cache.has(key)) {
          cache.add(key);
          stack.push({ call: entry, state });
          state = next;
          lift(entry);
          entry = head.next;
          continue;
        }
        linearized[entry.op >>> 5]! &= ~(1 << (entry.op & 31));
      }
      entry = entry.next;
    } else {
      // A return before its call was linearized: undo the last choice.
      const top = stack.pop();
      if (!top) return { ok: false, inconclusive: false };
      state = top.state;
      linearized[top.call.op >>> 5]! &= ~(1 << (top.call.op & 31));
      unlift(top.call);
      entry = top.call.next;
    }
  }
  return { ok: true, inconclusive: false };
}

/** Checks a whole key-value history, key by key. */
export function checkLinearizable(history: KvOp[]): LinearizabilityResult {
  // A write whose outcome is unknown and whose value nobody read can always be placed last: drop it,
  // which keeps the search small when many writes time out.
  const observed = new Set<string>();
  for (const op of history)
    if (op.kind === 'get' && op.output !== null && op.output !== undefined)
      observed.add(`${op.key}\0${op.output}`);
  const byKey = new Map<string, KvOp[]>();
  for (const op of history) {
    if (op.kind === 'put' && op.ret === Number.POSITIVE_INFINITY && !observed.has(`${op.key}\0${op.value}`))
      continue;
    let list = byKey.get(op.key);
    if (!list) byKey.set(op.key, (list = []));
    list.push(op);
  }
  for (const [key, ops] of [...byKey].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const r = checkRegister(ops);
    if (!r.ok) return { ok: false, key, ops, inconclusive: r.inconclusive };
  }
  return { ok: true };
}

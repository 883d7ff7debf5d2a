/**
 * @module The simulation's state machine: a string key-value map whose writes are Raft entries.
 */
import type { StateMachine } from '../replica.js';

/** A write: client `c`'s operation `o` puts `v` at `k`. */
export interface KvCommand {
  c: number;
  o: number;
  k: string;
  v: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The entry bytes of a write. */
export function encodeCommand(cmd: KvCommand): Uint8Array {
  return encoder.encode(JSON.stringify(cmd));
}

/** Reads an entry written by encodeCommand. */
export function decodeCommand(data: Uint8Array): KvCommand {
  return JSON.parse(decoder.decode(data)) as KvCommand;
}

/** KvStore applies commands; `onApply` lets the simulator check State Machine Safety and apply order. */
export class KvStore implements StateMachine {
  private map = new Map<string, string>();
  /** The last index applied or restored. */
  lastIndex = 0;
  private readonly onApply: (index: number, term: number, data: Uint8Array) => void;

  constructor(onApply: (index: number, term: number, data: Uint8Array) => void) {
    this.onApply = onApply;
  }

  apply(entry: { index: number; term: number; data: Uint8Array }): void {
    if (entry.index <= this.lastIndex) {
      throw new Error(
        `state machine: entry ${entry.index} applied after ${this.lastIndex} (out of order or twice)`,
      );
    }
    this.onApply(entry.index, entry.term, entry.data);
    const cmd = decodeCommand(entry.data);
    this.map.set(cmd.k, cmd.v);
    this.lastIndex = entry.index;
  }

  snapshot(): Uint8Array {
    return encoder.encode(JSON.stringify({ i: this.lastIndex, m: [...this.map] }));
  }

  restore(data: Uint8Array, meta: { index: number; term: number }): void {
    const parsed = JSON.parse(decoder.decode(data)) as { i: number; m: [string, string][] };
    this.map = new Map(parsed.m);
    this.lastIndex = meta.index;
  }

  get(key: string): string | null {
    return this.map.get(key) ?? null;
  }

  /** The whole state, for comparing members at the end. */
  dump(): string {
    return JSON.stringify([...this.map].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
  }
}

import { readdirSync, readFileSync } from 'node:fs';

/** The parent pid of a process, from /proc; undefined when it is gone. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
  } catch {
    return undefined;
  }
}

/** `pid` and all its descendants (from /proc), e.g. bubblewrap, its init and the container's node. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = parentOf(Number(entry));
    if (parent === undefined) continue;
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const tree: number[] = [];
  const visit = (at: number) => {
    tree.push(at);
    for (const child of children.get(at) ?? []) visit(child);
  };
  visit(pid);
  return tree;
}

/** Resident memory of one process in bytes (VmRSS), 0 when it is gone. */
export function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const found = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return found ? Number(found[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident memory of a process tree, summed. */
export function rssOfTree(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + rssOf(pid), 0);
}

/** Proportional set size of one process in bytes: its share of pages it shares with others (node's code). */
export function pssOf(pid: number): number {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const found = /^Pss:\s+(\d+) kB/m.exec(rollup);
    return found ? Number(found[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

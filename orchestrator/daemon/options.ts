import { isIP } from 'node:net';
import { join, resolve } from 'node:path';

/** Timing profiles: Swarm's defaults, or faster ones for labs on one machine. */
export type Profile = 'lab' | 'swarm';

export interface DaemonOptions {
  name: string;
  /** The node's address: it listens and advertises there. */
  addr: string;
  /** Port of the node-to-node channel (2377 unless only 127.0.0.1 is usable). */
  clusterPort: number;
  dataDir: string;
  /** `unix:///path` or `tcp://host:port`. */
  api: string;
  profile: Profile;
  /** Exit when stdin closes (the lab supervisor holds the other end): no node outlives its lab. */
  lifeline: boolean;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

const flags = ['name', 'addr', 'data-dir', 'api', 'profile'] as const;

/** Parses swarmd's flags (`--flag value` or `--flag=value`). Throws UsageError with an actionable message. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): DaemonOptions {
  const values = new Map<string, string>();
  let lifeline = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--lifeline') {
      lifeline = true;
      continue;
    }
    const found = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!found || !(flags as readonly string[]).includes(found[1])) {
      throw new UsageError(`unknown flag: ${arg}\nSee 'swarmd --help'.`);
    }
    const value = found[2] ?? argv[++i];
    if (value === undefined)
      throw new UsageError(`flag needs an argument: --${found[1]}\nSee 'swarmd --help'.`);
    values.set(found[1], value);
  }
  const addrFlag = values.get('addr') ?? '127.0.0.1';
  const [addr, portText] = addrFlag.includes(':') ? addrFlag.split(':') : [addrFlag, '2377'];
  if (isIP(addr) !== 4) {
    throw new UsageError(`invalid --addr "${addrFlag}": give the node's IPv4 address, e.g. --addr 127.0.1.1`);
  }
  const clusterPort = Number(portText);
  if (!Number.isInteger(clusterPort) || clusterPort < 1 || clusterPort > 65535) {
    throw new UsageError(`invalid port in --addr "${addrFlag}": use 1-65535 (the default is 2377)`);
  }
  const name = values.get('name') ?? env.HOSTNAME ?? 'swarmlab-node';
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/.test(name)) {
    throw new UsageError(`invalid --name "${name}": use letters, digits, '-', '_' or '.' (at most 63)`);
  }
  const dataDir = resolve(values.get('data-dir') ?? join(env.HOME ?? '.', '.swarmd', name));
  const api = values.get('api') ?? `unix://${join(dataDir, 'docker.sock')}`;
  if (!/^(unix:\/\/\/.+|tcp:\/\/[^:]+:\d+)$/.test(api)) {
    throw new UsageError(`invalid --api "${api}": use unix:///path/to/docker.sock or tcp://host:port`);
  }
  const profile = values.get('profile') ?? 'swarm';
  if (profile !== 'lab' && profile !== 'swarm') {
    throw new UsageError(`invalid --profile "${profile}": use "lab" (fast timings) or "swarm" (Docker's)`);
  }
  return { name, addr, clusterPort, dataDir, api, profile, lifeline };
}

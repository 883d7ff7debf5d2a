import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** How a workshop server runs. Every field has a default (see `defaultConfig`). */
export interface WorkshopConfig {
  host: string;
  port: number;
  /** Progress database, lab state, learners' homes. */
  dataDir: string;
  /**
   * Required from browsers when listening beyond loopback (`?token=` once; a session cookie after). Generated
   * when absent and needed.
   */
  token?: string;
  /** Host names browsers may use besides the listening address (e.g. a DNS name in front of the server). */
  allowedHosts: string[];
  /** Labs nobody typed into for this long are destroyed. */
  idleTimeoutMs: number;
  /** At most this many labs at once on this server. */
  maxLabs: number;
  maxNodes: number;
  defaultNodes: number;
  /** `docker` in lab terminals: "auto" (the real CLI if on PATH, else swarmlab's), "swarmlab", or a path. */
  dockerCli: string;
  /**
   * While a learner watches, cluster state is read soon after each node's Engine API event, and every this many
   * ms anyway (ms; for changes no event announces).
   */
  watchIntervalMs: number;
}

/** `$SWARMLAB_HOME/workshop`, by default `~/.swarmlab/workshop`. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.SWARMLAB_HOME ?? join(env.HOME ?? homedir() ?? tmpdir(), '.swarmlab'), 'workshop');
}

export function defaultConfig(env: NodeJS.ProcessEnv = process.env): WorkshopConfig {
  return {
    host: '127.0.0.1',
    port: 4000,
    dataDir: defaultDataDir(env),
    token: env.SWARMLAB_TOKEN || undefined,
    allowedHosts: [],
    idleTimeoutMs: 2 * 60 * 60 * 1000,
    maxLabs: 100,
    maxNodes: 9,
    defaultNodes: 3,
    dockerCli: env.SWARMLAB_DOCKER_CLI || 'auto',
    watchIntervalMs: 1_000,
  };
}

/** Parses "90s", "30m", "2h" or plain milliseconds. Undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const found = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!found) return undefined;
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[found[2] ?? 'ms'] ?? 1;
  return Math.round(Number(found[1]) * unit);
}

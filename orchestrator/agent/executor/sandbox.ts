import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

/** How containers run on this node, and why. */
export interface SandboxInfo {
  runtime: 'bubblewrap' | 'process';
  reason?: string;
  bwrapPath?: string;
}

let detected: SandboxInfo | undefined;

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * What the trial sandbox runs: `true` when the system has one (a few ms), else node (a hundred: node's start-up,
 * paid by every swarmd at start, event loop blocked).
 */
function trialCommand(): string[] {
  const trueBin = ['/bin/true', '/usr/bin/true'].find((path) => existsSync(path)) ?? findOnPath('true');
  return trueBin ? [trueBin] : [process.execPath, '-e', ''];
}

/**
 * Finds out once whether bubblewrap can give containers their own mount, pid and uts namespaces here: it is
 * installed and a trial sandbox runs. `SWARMLAB_NO_BWRAP=1` forces plain processes.
 */
export function detectSandbox(): SandboxInfo {
  if (process.env.SWARMLAB_NO_BWRAP === '1') {
    return { runtime: 'process', reason: 'SWARMLAB_NO_BWRAP=1 forces plain processes' };
  }
  if (detected) return detected;
  const bwrap = findOnPath('bwrap');
  if (!bwrap) {
    detected = { runtime: 'process', reason: 'bubblewrap (bwrap) is not installed' };
    return detected;
  }
  const trial = spawnSync(
    bwrap,
    [
      '--unshare-pid',
      '--unshare-uts',
      '--hostname',
      'swarmlab',
      '--die-with-parent',
      '--ro-bind',
      '/',
      '/',
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      ...trialCommand(),
    ],
    { encoding: 'utf8', timeout: 10_000 },
  );
  if (trial.status !== 0) {
    const why = (trial.stderr || trial.error?.message || `exit status ${trial.status}`).trim().split('\n')[0];
    detected = { runtime: 'process', reason: `bubblewrap cannot create namespaces here: ${why}` };
    return detected;
  }
  detected = { runtime: 'bubblewrap', bwrapPath: bwrap };
  return detected;
}

/** Paths of the host a sandboxed container needs read-only: the system and swarmlab's own install. */
export interface HostPaths {
  /** swarmlab's install root (holds dist/ and package.json). */
  installRoot: string;
  /** Directories outside it that the runtime loads code from (node_modules behind a symlink, node itself). */
  extra: string[];
}

const systemDirs = [
  '/usr/bin',
  '/usr/sbin',
  '/usr/lib',
  '/usr/lib32',
  '/usr/lib64',
  '/usr/libx32',
  '/usr/libexec',
  '/usr/local',
  '/usr/share/zoneinfo',
  '/usr/share/ca-certificates',
];
const topLinks = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
const etcFiles = [
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/localtime',
];

/**
 * bubblewrap's arguments for one container: the container's directory as `/`, the host's system directories
 * and swarmlab's install read-only, a private `/proc` and `/dev`, the control directory at `/.swarmlab`, bind
 * mounts, and new pid and uts namespaces (hostname = the container's). The network is the node's.
 */
export function bubblewrapArgs(options: {
  rootfs: string;
  controlDir: string;
  hostname: string;
  workingDir: string;
  mounts: { source: string; target: string; readOnly: boolean }[];
  host: HostPaths;
}): string[] {
  const args = [
    '--die-with-parent',
    '--unshare-pid',
    '--unshare-uts',
    '--unshare-ipc',
    '--hostname',
    options.hostname,
  ];
  args.push('--bind', options.rootfs, '/');
  for (const dir of systemDirs) if (existsSync(dir)) args.push('--ro-bind', dir, dir);
  for (const link of topLinks) {
    if (!existsSync(link)) continue;
    const stats = lstatSync(link);
    if (stats.isSymbolicLink()) args.push('--symlink', readlinkSync(link), link);
    else args.push('--ro-bind', link, link);
  }
  for (const file of etcFiles) if (existsSync(file)) args.push('--ro-bind', file, file);
  const codePaths = new Set([options.host.installRoot, ...options.host.extra]);
  for (const path of codePaths) if (existsSync(path)) args.push('--ro-bind', path, path);
  args.push('--proc', '/proc', '--dev', '/dev');
  args.push('--bind', options.controlDir, '/.swarmlab');
  for (const mount of options.mounts) {
    args.push(mount.readOnly ? '--ro-bind' : '--bind', mount.source, mount.target);
  }
  args.push('--chdir', options.workingDir);
  return args;
}

/** swarmlab's install root and the code directories outside it, found from this file's location. */
export function hostPaths(installRoot: string): HostPaths {
  const extra: string[] = [];
  const modules = join(installRoot, 'node_modules');
  if (existsSync(modules)) {
    const real = realpathSync(modules);
    if (!real.startsWith(`${installRoot}/`)) extra.push(real);
  }
  const nodeDir = dirname(realpathSync(process.execPath));
  if (!systemDirs.some((dir) => nodeDir === dir || nodeDir.startsWith(`${dir}/`)))
    extra.push(dirname(nodeDir));
  return { installRoot: realpathSync(installRoot), extra };
}

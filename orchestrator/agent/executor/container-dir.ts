import { chmodSync, chownSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import type { BuiltinImage, ImageFile } from '../images/types.js';
import { ExecutorError, type SecretFile } from './types.js';

/** The layout of a container's directory on the node. */
export interface ContainerPaths {
  dir: string;
  /** The container's root overlay: its `/etc`, `/run`, `/tmp`, image files, secrets. */
  rootfs: string;
  /** Runtime config and control socket, `/.swarmlab` inside the sandbox. */
  controlDir: string;
  logPath: string;
  statePath: string;
}

export function containerPaths(containersDir: string, id: string): ContainerPaths {
  const dir = join(containersDir, id);
  return {
    dir,
    rootfs: join(dir, 'rootfs'),
    controlDir: join(dir, 'control'),
    logPath: join(dir, `${id}-json.log`),
    statePath: join(dir, 'state.json'),
  };
}

/** A container path inside the root overlay, refusing anything that would escape it. */
function inside(rootfs: string, containerPath: string): string {
  if (!containerPath.startsWith('/'))
    throw new ExecutorError(400, `invalid path "${containerPath}": it must be absolute`);
  const normalized = posix.normalize(containerPath);
  if (normalized.split('/').includes('..')) throw new ExecutorError(400, `invalid path "${containerPath}"`);
  return join(rootfs, normalized);
}

function writeFile(path: string, data: string | Uint8Array, mode: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data, { mode });
  chmodSync(path, mode);
}

/** Where a secret lands: `/run/secrets/<target>` for a bare name, the target itself when absolute. */
export function secretPath(target: string): string {
  if (target.startsWith('/')) return posix.normalize(target);
  if (target.length === 0 || target.includes('/') || target === '.' || target === '..') {
    throw new ExecutorError(400, `invalid secret target "${target}": use a file name or an absolute path`);
  }
  return `/run/secrets/${target}`;
}

/**
 * Writes a container's root overlay: the image's files, `/etc/hostname`, `/etc/hosts`, `/etc/resolv.conf`,
 * `/run`, `/tmp`, the secrets (with their mode and owner) and the mount points of bind mounts.
 */
export function prepareRootfs(options: {
  paths: ContainerPaths;
  image: BuiltinImage;
  hostname: string;
  addresses: string[];
  dns?: string;
  /** Bind mounts: their mount points are created in the root overlay, as Docker does. */
  mounts: { source: string; target: string }[];
  workingDir: string;
}): void {
  const { paths, image } = options;
  mkdirSync(paths.rootfs, { recursive: true, mode: 0o755 });
  mkdirSync(paths.controlDir, { recursive: true, mode: 0o700 });
  for (const [path, entry] of Object.entries(image.files)) {
    const file: ImageFile = typeof entry === 'string' ? { data: entry } : entry;
    const target = inside(paths.rootfs, path);
    if (path.endsWith('/')) {
      mkdirSync(target, { recursive: true });
      if (file.mode !== undefined) chmodSync(target, file.mode);
    } else writeFile(target, file.data, file.mode ?? 0o644);
  }
  for (const dir of ['/etc', '/run', '/tmp', '/var/run', '/root', '/proc', '/dev']) {
    mkdirSync(inside(paths.rootfs, dir), { recursive: true });
  }
  chmodSync(inside(paths.rootfs, '/tmp'), 0o1777);
  mkdirSync(inside(paths.rootfs, options.workingDir), { recursive: true });
  const address = options.addresses[0];
  writeFile(inside(paths.rootfs, '/etc/hostname'), `${options.hostname}\n`, 0o644);
  writeFile(
    inside(paths.rootfs, '/etc/hosts'),
    `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${address ? `${address}\t${options.hostname}\n` : ''}`,
    0o644,
  );
  const nameserver = options.dns ? options.dns.replace(/:\d+$/, '') : '127.0.0.11';
  writeFile(inside(paths.rootfs, '/etc/resolv.conf'), `nameserver ${nameserver}\noptions ndots:0\n`, 0o644);
  for (const mount of options.mounts) {
    const point = inside(paths.rootfs, mount.target);
    mkdirSync(dirname(point), { recursive: true });
    // A source that does not exist yet is a secret file, written after the root overlay.
    if (existsSync(mount.source) && statSync(mount.source).isDirectory())
      mkdirSync(point, { recursive: true });
    else if (!existsSync(point)) writeFile(point, '', 0o444);
  }
}

/**
 * Writes a container's secrets, one file each (`<dir>/<index>`), with their mode and owner, into `dir` on a
 * tmpfs; the executor bind-mounts each at its target, so secrets never touch the node's disk.
 */
export function writeSecrets(dir: string, secrets: SecretFile[]): void {
  if (secrets.length === 0) return;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  secrets.forEach((secret, index) => {
    const path = join(dir, String(index));
    writeFile(path, secret.data, secret.mode ?? 0o444);
    const uid = Number(secret.uid ?? 0);
    const gid = Number(secret.gid ?? 0);
    if (process.getuid?.() === 0 && Number.isInteger(uid) && Number.isInteger(gid)) chownSync(path, uid, gid);
  });
}

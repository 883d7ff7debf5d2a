import { posix } from 'node:path';
import { loadImageProgram } from '../programs/registry.js';
import type { Proc, Program } from './process.js';

type Loader = () => Promise<Program>;

const text = () => import('./utilities/text.js');
const files = () => import('./utilities/files.js');
const system = () => import('./utilities/system.js');
const net = () => import('./utilities/net.js');

/** The busybox-like utilities every image ships (loaded on first use, to keep containers small). */
const utilities: Record<string, Loader> = {
  sh: () => import('./sh.js').then((m) => m.sh),
  ash: () => import('./sh.js').then((m) => m.sh),
  echo: () => text().then((m) => m.echo),
  printf: () => text().then((m) => m.printf),
  cat: () => text().then((m) => m.cat),
  head: () => text().then((m) => m.head),
  tail: () => text().then((m) => m.tail),
  wc: () => text().then((m) => m.wc),
  grep: () => text().then((m) => m.grep),
  ls: () => files().then((m) => m.ls),
  pwd: () => files().then((m) => m.pwd),
  mkdir: () => files().then((m) => m.mkdir),
  rm: () => files().then((m) => m.rm),
  touch: () => files().then((m) => m.touch),
  hostname: () => system().then((m) => m.hostname),
  env: () => system().then((m) => m.env),
  sleep: () => system().then((m) => m.sleep),
  true: () => system().then((m) => m.trueProgram),
  false: () => system().then((m) => m.falseProgram),
  date: () => system().then((m) => m.date),
  id: () => system().then((m) => m.id),
  uname: () => system().then((m) => m.uname),
  test: () => system().then((m) => m.test),
  '[': () => system().then((m) => m.test),
  wget: () => net().then((m) => m.wget),
  nslookup: () => net().then((m) => m.nslookup),
  ping: () => net().then((m) => m.ping),
};

/** Where the utilities live, as in busybox images (`/bin/sh`, `/usr/bin/wget`, ...). */
const binDirs = new Set(['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin']);

/** The names of the built-in utilities (for `ls /bin`). */
export function utilityNames(): string[] {
  return Object.keys(utilities).filter((name) => name !== '[');
}

/**
 * Finds the program `name` runs in `proc`'s container, as execvp would: a path (absolute or relative to the
 * working directory) names one file; a bare name is searched in PATH, the image's own executables first.
 */
export async function findProgram(name: string, proc: Proc): Promise<Program | undefined> {
  const binaries = proc.container.image.binaries;
  if (name.includes('/')) {
    const path = posix.resolve(proc.cwd, name);
    if (binaries[path]) return loadImageProgram(binaries[path]);
    const base = posix.basename(path);
    if (binDirs.has(posix.dirname(path)) && Object.hasOwn(utilities, base)) return utilities[base]();
    return undefined;
  }
  if (name.length === 0) return undefined;
  const dirs = proc.getenv('PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':');
  for (const dir of dirs) {
    const path = posix.join(dir || '.', name);
    if (binaries[path]) return loadImageProgram(binaries[path]);
  }
  return Object.hasOwn(utilities, name) ? utilities[name]() : undefined;
}

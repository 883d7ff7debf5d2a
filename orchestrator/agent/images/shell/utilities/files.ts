import {
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  type Stats,
  statSync,
  utimesSync,
} from 'node:fs';
import { posix } from 'node:path';
import type { Proc, Program } from '../process.js';

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'No such file or directory';
  if (code === 'EEXIST') return 'File exists';
  if (code === 'ENOTDIR') return 'Not a directory';
  if (code === 'EISDIR') return 'Is a directory';
  if (code === 'ENOTEMPTY') return 'Directory not empty';
  if (code === 'EACCES' || code === 'EPERM') return 'Permission denied';
  if (code === 'EROFS') return 'Read-only file system';
  return (error as Error).message;
}

function splitFlags(args: string[]): { flags: Set<string>; operands: string[] } {
  const flags = new Set<string>();
  const operands: string[] = [];
  let done = false;
  for (const arg of args) {
    if (!done && arg === '--') done = true;
    else if (!done && arg.startsWith('-') && arg.length > 1) for (const flag of arg.slice(1)) flags.add(flag);
    else operands.push(arg);
  }
  return { flags, operands };
}

const resolve = (proc: Proc, path: string) => proc.container.fs.resolve(posix.resolve(proc.cwd, path));

function modeString(stats: Stats): string {
  const type = stats.isDirectory()
    ? 'd'
    : stats.isSymbolicLink()
      ? 'l'
      : stats.isSocket()
        ? 's'
        : stats.isCharacterDevice()
          ? 'c'
          : '-';
  const bits = 'rwxrwxrwx'
    .split('')
    .map((c, i) => (stats.mode & (1 << (8 - i)) ? c : '-'))
    .join('');
  const sticky = stats.mode & 0o1000 ? `${bits.slice(0, 8)}${bits[8] === 'x' ? 't' : 'T'}` : bits;
  return type + sticky;
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function longLine(stats: Stats, name: string): string {
  const owner = (id: number) => (id === 0 ? 'root' : String(id)).padEnd(8);
  const d = stats.mtime;
  const date = `${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  return `${modeString(stats)} ${String(stats.nlink).padStart(4)} ${owner(stats.uid)} ${owner(stats.gid)} ${String(stats.size).padStart(9)} ${date} ${name}`;
}

export const ls: Program = async (proc) => {
  const { flags, operands } = splitFlags(proc.argv.slice(1));
  const targets = operands.length > 0 ? operands : ['.'];
  const long = flags.has('l');
  const all = flags.has('a');
  const tty = (proc.stdout as { isTTY?: boolean }).isTTY === true && !flags.has('1') && !long;
  let status = 0;
  const print = (names: string[], dir?: string) => {
    if (long) {
      for (const name of names) {
        try {
          proc.out(`${longLine(lstatSync(resolve(proc, dir ? posix.join(dir, name) : name)), name)}\n`);
        } catch {
          proc.out(`?????????? ? ? ? ? ? ${name}\n`);
        }
      }
    } else if (names.length > 0) {
      proc.out(tty ? `${names.join('  ')}\n` : names.map((n) => `${n}\n`).join(''));
    }
  };
  const files: string[] = [];
  const dirs: string[] = [];
  for (const target of targets) {
    try {
      if (statSync(resolve(proc, target)).isDirectory() && !flags.has('d')) dirs.push(target);
      else files.push(target);
    } catch (error) {
      proc.err(`ls: ${target}: ${reason(error)}\n`);
      status = 1;
    }
  }
  print(files.sort());
  dirs.forEach((dir, i) => {
    if (targets.length > 1) proc.out(`${files.length > 0 || i > 0 ? '\n' : ''}${dir}:\n`);
    try {
      let names = readdirSync(resolve(proc, dir)).sort();
      if (!all) names = names.filter((name) => !name.startsWith('.'));
      else names = ['.', '..', ...names];
      if (long) proc.out(`total ${names.length * 4}\n`);
      print(names, dir);
    } catch (error) {
      proc.err(`ls: can't open '${dir}': ${reason(error)}\n`);
      status = 1;
    }
  });
  return status;
};

export const pwd: Program = async (proc) => {
  proc.out(`${proc.cwd}\n`);
  return 0;
};

export const mkdir: Program = async (proc) => {
  const { flags, operands } = splitFlags(proc.argv.slice(1));
  if (operands.length === 0) {
    proc.err('BusyBox v1.37.0 multi-call binary.\n\nUsage: mkdir [-m MODE] [-p] DIRECTORY...\n');
    return 1;
  }
  let status = 0;
  for (const dir of operands) {
    try {
      mkdirSync(resolve(proc, dir), { recursive: flags.has('p') });
    } catch (error) {
      proc.err(`mkdir: can't create directory '${dir}': ${reason(error)}\n`);
      status = 1;
    }
  }
  return status;
};

export const rm: Program = async (proc) => {
  const { flags, operands } = splitFlags(proc.argv.slice(1));
  const recursive = flags.has('r') || flags.has('R');
  const force = flags.has('f');
  let status = 0;
  for (const path of operands) {
    const absolute = posix.resolve(proc.cwd, path);
    if (absolute === '/') {
      proc.err(`rm: can't remove '/'\n`);
      status = 1;
      continue;
    }
    try {
      const stats = lstatSync(resolve(proc, path));
      if (stats.isDirectory() && !recursive) {
        proc.err(`rm: '${path}' is a directory\n`);
        status = 1;
        continue;
      }
      rmSync(resolve(proc, path), { recursive, force });
    } catch (error) {
      if (force && (error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      proc.err(`rm: can't remove '${path}': ${reason(error)}\n`);
      status = 1;
    }
  }
  return status;
};

export const touch: Program = async (proc) => {
  const { operands } = splitFlags(proc.argv.slice(1));
  let status = 0;
  for (const path of operands) {
    try {
      const target = resolve(proc, path);
      closeSync(openSync(target, 'a'));
      const now = new Date();
      utimesSync(target, now, now);
    } catch (error) {
      proc.err(`touch: ${path}: ${reason(error)}\n`);
      status = 1;
    }
  }
  return status;
};

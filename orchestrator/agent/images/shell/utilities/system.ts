import { statSync } from 'node:fs';
import { machine, release } from 'node:os';
import { posix } from 'node:path';
import { findProgram } from '../commands.js';
import { type Program, signalExitCode, sleep as wait } from '../process.js';

export const trueProgram: Program = async () => 0;
export const falseProgram: Program = async () => 1;

export const hostname: Program = async (proc) => {
  const flag = proc.argv[1];
  if (flag === '-i') proc.out(`${proc.container.addresses.join(' ') || '127.0.0.1'}\n`);
  else if (flag === '-s') proc.out(`${proc.container.hostname.split('.')[0]}\n`);
  else if (flag === undefined || flag === '-f') proc.out(`${proc.container.hostname}\n`);
  else {
    proc.err('hostname: sethostname: Operation not permitted\n');
    return 1;
  }
  return 0;
};

export const env: Program = async (proc) => {
  const args = proc.argv.slice(1);
  const vars = args[0] === '-i' ? new Map<string, string>() : new Map(proc.env);
  if (args[0] === '-i' || args[0] === '-') args.shift();
  while (args.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(args[0])) {
    const entry = args.shift()!;
    const eq = entry.indexOf('=');
    vars.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  if (args.length === 0) {
    for (const [key, value] of vars) proc.out(`${key}=${value}\n`);
    return 0;
  }
  const child = proc.child({ argv: args, env: vars });
  try {
    const program = await findProgram(args[0], child);
    if (!program) {
      proc.err(`env: can't execute '${args[0]}': No such file or directory\n`);
      return 127;
    }
    return await program(child);
  } finally {
    proc.reap(child);
  }
};

/** `1`, `0.5`, `2m`, `1h`, `infinity` -> milliseconds. */
function duration(text: string): number | undefined {
  if (text === 'inf' || text === 'infinity') return Number.POSITIVE_INFINITY;
  const found = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(text);
  if (!found) return undefined;
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[found[2]] ?? 1;
  return Number(found[1]) * unit * 1000;
}

export const sleep: Program = async (proc) => {
  const args = proc.argv.slice(1);
  if (args.length === 0) {
    proc.err('Usage: sleep [N]...\n');
    return 1;
  }
  let total = 0;
  for (const arg of args) {
    const ms = duration(arg);
    if (ms === undefined) {
      proc.err(`sleep: invalid number '${arg}'\n`);
      return 1;
    }
    total += ms;
  }
  // setTimeout's limit is about 24.8 days: sleep in slices.
  while (total > 0) {
    const slice = Math.min(total, 2 ** 31 - 1);
    if (!(await wait(slice, proc.signal))) return signalExitCode(String(proc.signal.reason));
    total -= slice;
  }
  return 0;
};

const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function formatDate(d: Date, format: string): string {
  return format.replace(/%([a-zA-Z%])/g, (_m, c: string) => {
    switch (c) {
      case 'Y':
        return String(d.getUTCFullYear());
      case 'y':
        return pad(d.getUTCFullYear() % 100);
      case 'm':
        return pad(d.getUTCMonth() + 1);
      case 'd':
        return pad(d.getUTCDate());
      case 'e':
        return String(d.getUTCDate()).padStart(2);
      case 'H':
        return pad(d.getUTCHours());
      case 'M':
        return pad(d.getUTCMinutes());
      case 'S':
        return pad(d.getUTCSeconds());
      case 's':
        return String(Math.floor(d.getTime() / 1000));
      case 'N':
        return pad(d.getUTCMilliseconds() * 1_000_000, 9);
      case 'a':
        return days[d.getUTCDay()];
      case 'b':
      case 'h':
        return months[d.getUTCMonth()];
      case 'Z':
        return 'UTC';
      case 'z':
        return '+0000';
      case 'T':
        return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
      case 'F':
        return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
      case 'D':
        return `${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCFullYear() % 100)}`;
      case 'n':
        return '\n';
      case '%':
        return '%';
      default:
        return `%${c}`;
    }
  });
}

export const date: Program = async (proc) => {
  const args = proc.argv.slice(1).filter((arg) => arg !== '-u');
  const now = new Date();
  const format = args.find((arg) => arg.startsWith('+'));
  if (args.includes('-I') || args.includes('-Iseconds')) {
    proc.out(`${formatDate(now, args.includes('-I') ? '%F' : '%FT%T+00:00')}\n`);
  } else proc.out(`${formatDate(now, format ? format.slice(1) : '%a %b %e %T %Z %Y')}\n`);
  return 0;
};

export const id: Program = async (proc) => {
  const flags = proc.argv.slice(1).join('');
  if (flags.includes('u')) proc.out(flags.includes('n') ? 'root\n' : '0\n');
  else if (flags.includes('g')) proc.out(flags.includes('n') ? 'root\n' : '0\n');
  else proc.out('uid=0(root) gid=0(root) groups=0(root)\n');
  return 0;
};

export const uname: Program = async (proc) => {
  const flags = proc.argv.slice(1).join('').replace(/-/g, '') || 's';
  const arch = machine();
  const fields: [string, string][] = [
    ['s', 'Linux'],
    ['n', proc.container.hostname],
    ['r', release()],
    ['v', '#1 SMP'],
    ['m', arch],
    ['o', 'Linux'],
  ];
  proc.out(
    `${fields
      .filter(([flag]) => flags.includes('a') || flags.includes(flag))
      .map(([, v]) => v)
      .join(' ')}\n`,
  );
  return 0;
};

export const test: Program = async (proc) => {
  let args = proc.argv.slice(1);
  if (proc.argv[0] === '[' || proc.argv[0].endsWith('/[')) {
    if (args[args.length - 1] !== ']') {
      proc.err('[: missing ]\n');
      return 2;
    }
    args = args.slice(0, -1);
  }
  const file = (path: string) => {
    try {
      return statSync(proc.container.fs.resolve(posix.resolve(proc.cwd, path)));
    } catch {
      return undefined;
    }
  };
  const int = (text: string) => {
    if (!/^\s*-?\d+\s*$/.test(text)) throw new Error(`${text}: bad number`);
    return Number(text);
  };
  const primary = (a: string[]): boolean => {
    if (a[0] === '!') return !primary(a.slice(1));
    if (a.length === 0) return false;
    if (a.length === 1) return a[0].length > 0;
    if (a.length === 2) {
      const [op, value] = a;
      switch (op) {
        case '-z':
          return value.length === 0;
        case '-n':
          return value.length > 0;
        case '-e':
          return file(value) !== undefined;
        case '-f':
          return file(value)?.isFile() === true;
        case '-d':
          return file(value)?.isDirectory() === true;
        case '-s':
          return (file(value)?.size ?? 0) > 0;
        case '-r':
        case '-w':
        case '-x':
          return file(value) !== undefined;
        default:
          throw new Error(`${op}: unknown operand`);
      }
    }
    const [left, op, right] = a;
    switch (op) {
      case '=':
      case '==':
        return left === right;
      case '!=':
        return left !== right;
      case '-eq':
        return int(left) === int(right);
      case '-ne':
        return int(left) !== int(right);
      case '-lt':
        return int(left) < int(right);
      case '-le':
        return int(left) <= int(right);
      case '-gt':
        return int(left) > int(right);
      case '-ge':
        return int(left) >= int(right);
      default:
        throw new Error(`${op}: unknown operand`);
    }
  };
  try {
    const or = args.indexOf('-o');
    if (or > 0) return primary(args.slice(0, or)) || primary(args.slice(or + 1)) ? 0 : 1;
    const and = args.indexOf('-a');
    if (and > 0 && args.length > 3)
      return primary(args.slice(0, and)) && primary(args.slice(and + 1)) ? 0 : 1;
    return primary(args) ? 0 : 1;
  } catch (error) {
    proc.err(`${proc.argv[0]}: ${(error as Error).message}\n`);
    return 2;
  }
};

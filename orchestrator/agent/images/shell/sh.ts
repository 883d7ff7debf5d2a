import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { readLine, Shell } from './interpreter.js';
import { parseScript, type Script, ShellSyntaxError } from './parser.js';
import type { Proc, Program } from './process.js';

const usage = `BusyBox v1.37.0 (swarmlab built-in) multi-call binary.

Usage: sh [-/+OPTIONS] [-/+o OPT]... [-c 'SCRIPT' [ARG0 ARGS] | FILE ARGS | -s ARGS]

Unix shell interpreter
`;

function parse(proc: Proc, source: string): Script | undefined {
  try {
    return parseScript(source);
  } catch (error) {
    if (error instanceof ShellSyntaxError) {
      proc.err(`sh: ${error.message}\n`);
      return undefined;
    }
    throw error;
  }
}

/** Reads commands from stdin: with a prompt and line-by-line when interactive (a tty or `-i`). */
async function interactive(proc: Proc, shell: Shell, prompt: boolean): Promise<number> {
  const stopInterrupts = prompt ? proc.onSignal((signal) => signal === 'SIGINT') : () => {};
  try {
    let pending = '';
    for (;;) {
      if (prompt) proc.out(pending ? '> ' : `${proc.cwd} # `);
      const line = await Promise.race([readLine(proc.stdin), aborted(proc.signal)]);
      if (line === null || proc.signal.aborted) break;
      pending += `${line}\n`;
      let script: Script;
      try {
        script = parseScript(pending);
      } catch (error) {
        if (error instanceof ShellSyntaxError && error.incomplete) continue;
        proc.err(`sh: ${error instanceof Error ? error.message : String(error)}\n`);
        pending = '';
        shell.status = 2;
        if (!prompt) return 2;
        continue;
      }
      pending = '';
      const { exited } = await shell.runTop(script, {
        stdin: proc.stdin,
        stdout: proc.stdout,
        stderr: proc.stderr,
      });
      if (exited) break;
    }
    if (prompt && !proc.signal.aborted) proc.out('\n');
    return shell.status;
  } finally {
    stopInterrupts();
  }
}

function aborted(signal: AbortSignal): Promise<null> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(null);
    else signal.addEventListener('abort', () => resolve(null), { once: true });
  });
}

/** The built-in `sh` (busybox ash's behaviour for `-c`, script files, and interactive use). */
export const sh: Program = async (proc) => {
  const args = proc.argv.slice(1);
  let command: string | undefined;
  let forceInteractive = false;
  while (args.length > 0 && /^[-+]/.test(args[0]) && args[0] !== '-' && args[0] !== '--') {
    const flag = args.shift()!;
    if (flag === '--help') {
      proc.out(usage);
      return 0;
    }
    if (flag.includes('c')) {
      command = args.shift();
      if (command === undefined) {
        proc.err('sh: -c requires an argument\n');
        return 2;
      }
    }
    if (flag.includes('i')) forceInteractive = true;
    if (flag === '-o' || flag === '+o') args.shift();
  }
  if (args[0] === '--' || args[0] === '-') args.shift();
  const shell = (positional: string[]) => new Shell(proc, positional);

  if (command !== undefined) {
    const script = parse(proc, command);
    if (!script) return 2;
    return (await shell([args[0] ?? 'sh', ...args.slice(1)]).runTop(script, proc)).status;
  }
  if (args.length > 0 && !forceInteractive) {
    const file = args[0];
    let source: string;
    try {
      source = readFileSync(proc.container.fs.resolve(posix.resolve(proc.cwd, file)), 'utf8');
    } catch {
      proc.err(`sh: can't open '${file}': No such file or directory\n`);
      return 2;
    }
    const script = parse(proc, source);
    if (!script) return 2;
    return (await shell(args).runTop(script, proc)).status;
  }
  const tty = (proc.stdin as { isTTY?: boolean }).isTTY === true;
  return interactive(proc, shell(['sh', ...args]), tty || forceInteractive);
};

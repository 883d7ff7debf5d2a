// A command tree executed as spf13/cobra does for the docker CLI: Traverse to the subcommand, parse its
// flags, validate positional arguments with docker's messages, and render docker's usage template.
import type { CliEnv } from '../cli-env.js';
import { versionLessThan } from '../client/engine-client.js';
import { type FlagDef, FlagError, FlagValues, flagUsages, parseFlags } from './flags.js';

/** An error carrying docker's exit status (125 for flag errors, 1 otherwise). */
export class StatusError extends Error {
  constructor(
    readonly status: string,
    readonly code: number,
  ) {
    super(status);
  }
}

/** The user declined a confirmation prompt: docker exits 0 without a message. */
export class CancelledError extends Error {}

/** Checks the positional arguments; returns an error message or undefined. */
export type ArgsRule = (command: Command, args: string[]) => string | undefined;

/** What a command's run function receives. */
export interface Invocation {
  command: Command;
  args: string[];
  flags: FlagValues;
  env: CliEnv;
}

/** The definition of one command (cobra.Command's fields docker uses). */
export interface CommandDef {
  /** "ls [OPTIONS]": the first word is the name. */
  use: string;
  short: string;
  long?: string;
  aliases?: string[];
  /** docker's "aliases" annotation: the full alias list shown in help. */
  aliasesText?: string;
  args?: ArgsRule;
  flags?: FlagDef[];
  /** Flags inherited by every subcommand (the root's --help). */
  persistentFlags?: FlagDef[];
  commands?: CommandDef[];
  run?: (invocation: Invocation) => Promise<void> | void;
  hidden?: boolean;
  /** Stop parsing flags at the first positional argument (pflag's SetInterspersed(false)). */
  interspersed?: boolean;
  /** Hand every argument to run unparsed (cobra's DisableFlagParsing). */
  disableFlagParsing?: boolean;
  example?: string;
  /** docker annotations: "swarm" ("manager", "active"), "category-top" ("1".."12"), "version". */
  annotations?: Record<string, string>;
}

/** A command in the tree, with its parent. */
export class Command {
  readonly name: string;
  readonly children: Command[];
  parent: Command | undefined;

  constructor(readonly def: CommandDef) {
    this.name = def.use.split(' ')[0]!;
    this.children = (def.commands ?? []).map((child) => new Command(child));
    for (const child of this.children) child.parent = this;
  }

  get root(): Command {
    return this.parent ? this.parent.root : this;
  }

  /** "docker service create". */
  get path(): string {
    return this.parent ? `${this.parent.path} ${this.name}` : this.name;
  }

  /** The usage line: "docker service create [OPTIONS] IMAGE [COMMAND] [ARG...]". */
  get useLine(): string {
    return this.parent ? `${this.parent.path} ${this.def.use}` : this.def.use;
  }

  get runnable(): boolean {
    return this.def.run !== undefined;
  }

  get hasSubCommands(): boolean {
    return this.children.length > 0;
  }

  /** Local, own persistent and inherited persistent flags: everything this command parses. */
  get allFlags(): FlagDef[] {
    const flags = [...(this.def.flags ?? []), ...(this.def.persistentFlags ?? [])];
    for (let p = this.parent; p; p = p.parent) {
      for (const f of p.def.persistentFlags ?? []) if (!flags.some((g) => g.name === f.name)) flags.push(f);
    }
    return flags;
  }

  /** Finds a direct subcommand by name or alias. */
  findChild(name: string): Command | undefined {
    return this.children.find((c) => c.name === name || (c.def.aliases ?? []).includes(name));
  }

  /** cobra's NamePadding: the longest sibling name, at least 11. */
  get namePadding(): number {
    const siblings = this.parent?.children ?? [];
    return Math.max(11, ...siblings.map((c) => c.name.length));
  }
}

function plural(word: string, n: number): string {
  return n === 1 ? word : `${word}s`;
}

/** cli.NoArgs. */
export const noArgs: ArgsRule = (cmd, args) => {
  if (args.length === 0) return undefined;
  const bin = cmd.root.name;
  if (cmd.hasSubCommands) {
    return `${bin}: unknown command: ${cmd.path} ${args[0]}\n\nUsage:  ${cmd.useLine}\n\nRun '${cmd.path} --help' for more information`;
  }
  return `${bin}: '${cmd.path}' accepts no arguments\n\nUsage:  ${cmd.useLine}\n\nRun '${cmd.path} --help' for more information`;
};

/** cli.RequiresMinArgs. */
export function minArgs(n: number): ArgsRule {
  return (cmd, args) =>
    args.length >= n
      ? undefined
      : `${cmd.root.name}: '${cmd.path}' requires at least ${n} ${plural('argument', n)}\n\nUsage:  ${cmd.useLine}\n\nSee '${cmd.path} --help' for more information`;
}

/** cli.RequiresMaxArgs. */
export function maxArgs(n: number): ArgsRule {
  return (cmd, args) =>
    args.length <= n
      ? undefined
      : `${cmd.root.name}: '${cmd.path}' requires at most ${n} ${plural('argument', n)}\n\nUsage:  ${cmd.useLine}\n\nSRun '${cmd.path} --help' for more information`;
}

/** cli.RequiresRangeArgs. */
export function rangeArgs(min: number, max: number): ArgsRule {
  return (cmd, args) =>
    args.length >= min && args.length <= max
      ? undefined
      : `${cmd.root.name}: '${cmd.path}' requires at least ${min} and at most ${max} ${plural('argument', max)}\n\nUsage:  ${cmd.useLine}\n\nRun '${cmd.path} --help' for more information`;
}

/** cli.ExactArgs. */
export function exactArgs(n: number): ArgsRule {
  return (cmd, args) =>
    args.length === n
      ? undefined
      : `${cmd.root.name}: '${cmd.path}' requires ${n} ${plural('argument', n)}\n\nUsage:  ${cmd.useLine}\n\nRun '${cmd.path} --help' for more information`;
}

/** How help is rendered: terminal width, bold extras, and which commands the daemon's state hides. */
export interface HelpOptions {
  columns: number;
  bold: boolean;
  /** Returns true for commands to leave out (docker hides manager-only commands on workers). */
  hide?: (command: Command) => boolean;
  /** Returns true for flags to leave out (docker hides flags the daemon's API version lacks). */
  hideFlag?: (flag: FlagDef) => boolean;
}

function available(cmd: Command, options: HelpOptions): boolean {
  if (cmd.def.hidden || options.hide?.(cmd)) return false;
  if (cmd.name === 'help' && !cmd.parent?.parent) return false;
  return cmd.runnable || cmd.children.some((c) => available(c, options));
}

function visibleFlags(cmd: Command, options: HelpOptions): FlagDef[] {
  return cmd.allFlags.map((f) => (options.hideFlag?.(f) ? { ...f, hidden: true } : f));
}

function hasAvailableFlags(cmd: Command, options: HelpOptions): boolean {
  return visibleFlags(cmd, options).some((f) => !f.hidden);
}

function trimRight(text: string): string {
  return text.replace(/[\s]+$/, '');
}

/** docker's usage template (cli/cobra.go) for a command. */
export function usageText(cmd: Command, options: HelpOptions): string {
  let out = 'Usage:';
  if (!cmd.hasSubCommands) out += `  ${cmd.useLine}`;
  else out += `  ${cmd.path}${hasAvailableFlags(cmd, options) ? ' [OPTIONS]' : ''} COMMAND`;
  out += `\n\n${(cmd.def.long ?? cmd.def.short).trim()}`;
  if ((cmd.def.aliases ?? []).length > 0 || cmd.def.aliasesText) {
    let aliases = cmd.def.aliasesText;
    if (!aliases) {
      const parentPath = cmd.parent ? `${cmd.parent.path} ` : '';
      aliases = [cmd.path, ...(cmd.def.aliases ?? []).map((a) => parentPath + a)].join(', ');
    }
    out += `\n\nAliases:\n  ${aliases}`;
  }
  if (cmd.def.example) out += `\n\nExamples:\n${cmd.def.example}`;
  const flagsBlock = () => trimRight(flagUsages(visibleFlags(cmd, options), options.columns - 1));
  if (cmd.parent && hasAvailableFlags(cmd, options)) out += `\n\nOptions:\n${flagsBlock()}`;
  const subs = cmd.children.filter((c) => available(c, options));
  const line = (c: Command, decorated: boolean) =>
    decorated
      ? `\n  ${`${c.name} `.padEnd(c.namePadding + 1)}${c.def.short}`
      : `\n  ${c.name.padEnd(c.namePadding)} ${c.def.short}`;
  if (!cmd.parent) {
    const top = subs
      .filter((c) => c.def.annotations?.['category-top'])
      .sort(
        (a, b) => Number(a.def.annotations!['category-top']) - Number(b.def.annotations!['category-top']),
      );
    if (top.length) out += `\n\nCommon Commands:${top.map((c) => line(c, true)).join('')}`;
  }
  const groups = subs.filter((c) => c.hasSubCommands);
  const management = groups.filter((c) => c.def.annotations?.swarm === undefined);
  const swarm = groups.filter((c) => c.def.annotations?.swarm !== undefined);
  if (management.length) out += `\n\nManagement Commands:${management.map((c) => line(c, true)).join('')}`;
  if (swarm.length) out += `\n\nSwarm Commands:${swarm.map((c) => line(c, true)).join('')}`;
  const operations = subs.filter(
    (c) => !c.hasSubCommands && !(cmd.parent === undefined && c.def.annotations?.['category-top']),
  );
  if (operations.length) out += `\n\nCommands:${operations.map((c) => line(c, false)).join('')}`;
  if (!cmd.parent && hasAvailableFlags(cmd, options)) out += `\n\nGlobal Options:\n${flagsBlock()}`;
  if (cmd.hasSubCommands) out += `\n\nRun '${cmd.path} COMMAND --help' for more information on a command.`;
  if (!cmd.parent) {
    const extra = 'For more help on how to use Docker, head to https://docs.docker.com/go/guides/';
    out += `\n\n${options.bold ? `\x1b[1m${extra}\x1b[0m` : extra}`;
  }
  return `${out}\n`;
}

/** docker's areFlagsSupported: a flag newer than the daemon's API version is refused before running. */
async function checkFlagVersions(cmd: Command, values: FlagValues, env: CliEnv): Promise<void> {
  const errors: string[] = [];
  for (const flag of cmd.allFlags) {
    const needed = flag.annotations?.version;
    if (needed === undefined || !values.changed(flag.name)) continue;
    const current = await env.client().version();
    if (versionLessThan(current, needed)) {
      errors.push(
        `"--${flag.name}" requires API version ${needed}, but the Docker daemon API version is ${current}`,
      );
    }
  }
  if (errors.length) throw new Error(errors.join('\n'));
}

/** Where output goes and how help looks, for one execution. */
export interface ExecuteIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Help options for output to stdout (true) or stderr (false). */
  help: (toStdout: boolean) => Promise<HelpOptions>;
}

/** The result of finding the command to run. */
interface Found {
  command: Command;
  args: string[];
}

function flagError(cmd: Command, err: FlagError): StatusError {
  return new StatusError(
    `${err.message}\n\nUsage:  ${cmd.useLine}\n\nRun '${cmd.path} --help' for more information`,
    125,
  );
}

function isBoolFlag(defs: FlagDef[], name: string): boolean {
  return defs.find((d) => d.name === name)?.noOptDefVal !== undefined;
}

function isBoolShort(defs: FlagDef[], short: string): boolean {
  return defs.find((d) => d.short === short)?.noOptDefVal !== undefined;
}

/** cobra's Traverse: walks subcommands, parsing the flags met on the way against their commands. */
function traverse(cmd: Command, args: string[], notice: (m: string) => void): Found {
  const collected: string[] = [];
  let inFlag = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const defs = cmd.allFlags;
    if (arg.startsWith('--') && !arg.includes('=')) {
      inFlag = !isBoolFlag(defs, arg.slice(2));
      collected.push(arg);
      continue;
    }
    if (arg.startsWith('-') && !arg.includes('=') && arg.length === 2 && !isBoolShort(defs, arg.slice(1))) {
      inFlag = true;
      collected.push(arg);
      continue;
    }
    if (inFlag) {
      inFlag = false;
      collected.push(arg);
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      collected.push(arg);
      continue;
    }
    const next = cmd.findChild(arg);
    if (!next) return { command: cmd, args };
    try {
      parseFlags(new FlagValues(defs), collected, { notice });
    } catch (err) {
      if (err instanceof FlagError) throw flagError(cmd, err);
      throw err;
    }
    return traverse(next, args.slice(i + 1), notice);
  }
  return { command: cmd, args };
}

/**
 * Runs `argv` (without the program name) against the tree rooted at `root`, whose flags are the global
 * options. `prepare` receives the parsed global flags and returns the environment commands run with.
 * Returns the exit code.
 */
export async function execute(
  root: Command,
  argv: string[],
  io: ExecuteIO,
  prepare: (globals: FlagValues) => CliEnv,
  version: () => string,
): Promise<number> {
  // pflag prints its deprecation notices on the flag set's output, which cobra points at stdout.
  const notice = (message: string) => io.stdout(`${message}\n`);
  try {
    const globals = new FlagValues(root.allFlags);
    let rest: string[];
    try {
      rest = parseFlags(globals, argv, { interspersed: false, notice });
    } catch (err) {
      if (err instanceof FlagError) throw flagError(root, err);
      throw err;
    }
    const env = prepare(globals);
    if (rest.length === 0) {
      if (globals.get<boolean>('help')) {
        io.stdout(usageText(root, await io.help(true)));
        return 0;
      }
      if (globals.get<boolean>('version')) {
        io.stdout(version());
        return 0;
      }
      io.stderr(usageText(root, await io.help(false)));
      return 0;
    }
    if (rest[0] === 'help') {
      let target: Command = root;
      for (const name of rest.slice(1)) {
        const child = target.findChild(name);
        if (!child) throw new Error(`unknown help topic: ${rest.slice(1).join(' ')}`);
        target = child;
      }
      io.stdout(usageText(target, await io.help(true)));
      return 0;
    }
    const found = traverse(root, rest, notice);
    const cmd = found.command;
    if (cmd === root) {
      throw new Error(
        `docker: unknown command: docker ${found.args[0]}\n\nRun 'docker --help' for more information`,
      );
    }
    const values = new FlagValues(cmd.allFlags);
    let args: string[] = found.args;
    if (!cmd.def.disableFlagParsing) {
      try {
        args = parseFlags(values, found.args, { notice, interspersed: cmd.def.interspersed ?? true });
      } catch (err) {
        if (err instanceof FlagError) throw flagError(cmd, err);
        throw err;
      }
    }
    if (values.get<boolean>('help') || !cmd.runnable) {
      io.stdout(usageText(cmd, await io.help(true)));
      return 0;
    }
    const rule = cmd.def.args ?? (cmd.hasSubCommands ? noArgs : undefined);
    const problem = rule?.(cmd, args);
    if (problem) throw new StatusError(problem, 1);
    await checkFlagVersions(cmd, values, env);
    await cmd.def.run!({ command: cmd, args, flags: values, env });
    return 0;
  } catch (err) {
    if (err instanceof CancelledError) return 0;
    if (err instanceof StatusError) {
      if (err.status) io.stderr(`${err.status}\n`);
      return err.code === 0 ? 1 : err.code;
    }
    io.stderr(`${(err as Error).message}\n`);
    return 1;
  }
}

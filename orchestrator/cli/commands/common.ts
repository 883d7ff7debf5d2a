// Pieces shared by the command definitions: docker's --format help texts, group commands and the
// stand-in for docker commands this CLI does not implement.
import type { CliEnv } from '../cli-env.js';
import { type CommandDef, type Invocation, noArgs, usageText } from '../cobra/command.js';
import { boolFlag, type FlagDef, stringFlag } from '../cobra/flags.js';
import { helpOptions } from './help-options.js';

/** flagsHelper.InspectFormatHelp. */
export const inspectFormatHelp =
  "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates";

/** flagsHelper.FormatHelp (list commands). */
export const formatHelp =
  "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates";

/** The `-f, --format` flag of inspect-like commands. */
export function inspectFormatFlag(): FlagDef {
  return stringFlag('format', inspectFormatHelp, { short: 'f' });
}

/** The `--pretty` flag of inspect commands. */
export function prettyFlag(): FlagDef {
  return boolFlag('pretty', 'Print the information in a human friendly format');
}

/** Prints a group command's help to stderr, as docker does when no subcommand is given. */
async function showHelp({ command, env }: Invocation): Promise<void> {
  env.err.write(usageText(command, await helpOptions(env, false)));
}

/** A management command grouping subcommands ("docker service"). */
export function group(
  use: string,
  short: string,
  commands: CommandDef[],
  annotations?: Record<string, string>,
): CommandDef {
  return { use, short, commands, args: noArgs, run: showHelp, annotations };
}

/** A run function loaded on first use, so `docker version` does not load the service code. */
export function lazy<M>(
  load: () => Promise<M>,
  pick: (module: M) => (invocation: Invocation) => Promise<void> | void,
): (invocation: Invocation) => Promise<void> {
  return async (invocation) => pick(await load())(invocation);
}

/** A docker command outside the swarm-mode subset this CLI implements. */
export function unsupported(use: string, short: string, extra: Partial<CommandDef> = {}): CommandDef {
  const name = use.split(' ')[0];
  return {
    use,
    short,
    disableFlagParsing: true,
    run: ({ command }) => {
      throw new Error(
        `docker: '${command.path.replace(/^docker /, '')}' is not available in swarmlab's docker CLI, which covers swarm mode ` +
          `(swarm, node, service, secret, network, ps, exec, logs, inspect, pull, images, info, version, system).\nSee 'docker --help'`,
      );
    },
    ...extra,
    ...(name ? {} : {}),
  };
}

/** A management group of unsupported commands (listed in help as docker lists them). */
export function unsupportedGroup(
  use: string,
  short: string,
  annotations?: Record<string, string>,
): CommandDef {
  return {
    ...unsupported(use, short),
    commands: [{ ...unsupported('_', short), hidden: true }],
    annotations,
  };
}

/** Writes text to stdout. */
export function out(env: CliEnv, text: string): void {
  env.out.write(text);
}

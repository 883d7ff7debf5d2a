// `docker ps`, `docker exec`, `docker logs` and the `docker container` group.
import { type CommandDef, exactArgs, minArgs, noArgs } from '../cobra/command.js';
import { boolFlag, filterFlag, intFlag, listFlag, stringFlag } from '../cobra/flags.js';
import { formatHelp, group, lazy, unsupported } from './common.js';
import { containerInspectCommand } from './image.js';

const run = (pick: (m: typeof import('./container-run.js')) => NonNullable<CommandDef['run']>) =>
  lazy(() => import('./container-run.js'), pick);

const psAliases = 'docker container ls, docker container list, docker container ps, docker ps';

/** `docker ps` (also `docker container ls`). */
export function psCommand(use = 'ps [OPTIONS]', aliases?: string[]): CommandDef {
  return {
    use,
    aliases,
    short: 'List containers',
    aliasesText: psAliases,
    args: noArgs,
    flags: [
      boolFlag('all', 'Show all containers (default shows just running)', { short: 'a' }),
      filterFlag('filter', 'Filter output based on conditions provided', { short: 'f' }),
      stringFlag('format', formatHelp),
      intFlag('last', 'Show n last created containers (includes all states)', { short: 'n', initial: -1 }),
      boolFlag('latest', 'Show the latest created container (includes all states)', { short: 'l' }),
      boolFlag('no-trunc', "Don't truncate output"),
      boolFlag('quiet', 'Only display container IDs', { short: 'q' }),
      boolFlag('size', 'Display total file sizes', { short: 's' }),
    ],
    run: run((m) => m.runPs),
  };
}

/** `docker exec` (also `docker container exec`). */
export function execCommand(): CommandDef {
  return {
    use: 'exec [OPTIONS] CONTAINER COMMAND [ARG...]',
    short: 'Execute a command in a running container',
    aliasesText: 'docker container exec, docker exec',
    args: minArgs(2),
    interspersed: false,
    flags: [
      boolFlag('detach', 'Detached mode: run command in the background', { short: 'd' }),
      stringFlag('detach-keys', 'Override the key sequence for detaching a container'),
      listFlag('env', 'Set environment variables', { short: 'e' }),
      listFlag('env-file', 'Read in a file of environment variables'),
      boolFlag('interactive', 'Keep STDIN open even if not attached', { short: 'i' }),
      boolFlag('privileged', 'Give extended privileges to the command'),
      boolFlag('tty', 'Allocate a pseudo-TTY', { short: 't' }),
      stringFlag('user', 'Username or UID (format: "<name|uid>[:<group|gid>]")', { short: 'u' }),
      stringFlag('workdir', 'Working directory inside the container', { short: 'w' }),
    ],
    run: run((m) => m.runExec),
  };
}

/** `docker logs` (also `docker container logs`). */
export function logsCommand(): CommandDef {
  return {
    use: 'logs [OPTIONS] CONTAINER',
    short: 'Fetch the logs of a container',
    aliasesText: 'docker container logs, docker logs',
    args: exactArgs(1),
    flags: [
      boolFlag('details', 'Show extra details provided to logs'),
      boolFlag('follow', 'Follow log output', { short: 'f' }),
      stringFlag(
        'since',
        'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)',
      ),
      stringFlag('tail', 'Number of lines to show from the end of the logs', { short: 'n', initial: 'all' }),
      boolFlag('timestamps', 'Show timestamps', { short: 't' }),
      stringFlag(
        'until',
        'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)',
      ),
    ],
    run: run((m) => m.runLogs),
  };
}

/** `docker container`. */
export function containerCommand(): CommandDef {
  const u = unsupported;
  return group('container', 'Manage containers', [
    u(
      'attach [OPTIONS] CONTAINER',
      'Attach local standard input, output, and error streams to a running container',
    ),
    u('commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]', "Create a new image from a container's changes"),
    u(
      'cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-',
      'Copy files/folders between a container and the local filesystem',
    ),
    u('create [OPTIONS] IMAGE [COMMAND] [ARG...]', 'Create a new container'),
    u('diff CONTAINER', "Inspect changes to files or directories on a container's filesystem"),
    execCommand(),
    u('export [OPTIONS] CONTAINER', "Export a container's filesystem as a tar archive"),
    containerInspectCommand(),
    u('kill [OPTIONS] CONTAINER [CONTAINER...]', 'Kill one or more running containers'),
    logsCommand(),
    psCommand('ls [OPTIONS]', ['list', 'ps']),
    u('pause CONTAINER [CONTAINER...]', 'Pause all processes within one or more containers'),
    u('port CONTAINER [PRIVATE_PORT[/PROTO]]', 'List port mappings or a specific mapping for the container'),
    u('prune [OPTIONS]', 'Remove all stopped containers'),
    u('rename CONTAINER NEW_NAME', 'Rename a container'),
    u('restart [OPTIONS] CONTAINER [CONTAINER...]', 'Restart one or more containers'),
    u('rm [OPTIONS] CONTAINER [CONTAINER...]', 'Remove one or more containers'),
    u('run [OPTIONS] IMAGE [COMMAND] [ARG...]', 'Create and run a new container from an image'),
    u('start [OPTIONS] CONTAINER [CONTAINER...]', 'Start one or more stopped containers'),
    u('stats [OPTIONS] [CONTAINER...]', 'Display a live stream of container(s) resource usage statistics'),
    u('stop [OPTIONS] CONTAINER [CONTAINER...]', 'Stop one or more running containers'),
    u('top CONTAINER [ps OPTIONS]', 'Display the running processes of a container'),
    u('unpause CONTAINER [CONTAINER...]', 'Unpause all processes within one or more containers'),
    u('update [OPTIONS] CONTAINER [CONTAINER...]', 'Update configuration of one or more containers'),
    u(
      'wait CONTAINER [CONTAINER...]',
      'Block until one or more containers stop, then print their exit codes',
    ),
  ]);
}

// `docker version`, `docker info` and `docker system` (info, df, prune, events).
import type { CommandDef } from '../cobra/command.js';
import { noArgs } from '../cobra/command.js';
import { boolFlag, filterFlag, stringFlag } from '../cobra/flags.js';
import { formatHelp, group, inspectFormatFlag, inspectFormatHelp, lazy } from './common.js';

/** `docker version`. */
export function versionCommand(): CommandDef {
  return {
    use: 'version [OPTIONS]',
    short: 'Show the Docker version information',
    args: noArgs,
    flags: [inspectFormatFlag()],
    run: lazy(
      () => import('./version-run.js'),
      (m) => m.runVersion,
    ),
  };
}

/** `docker info` (also `docker system info`). */
export function infoCommand(): CommandDef {
  return {
    use: 'info [OPTIONS]',
    short: 'Display system-wide information',
    aliasesText: 'docker system info, docker info',
    args: noArgs,
    flags: [inspectFormatFlag()],
    run: lazy(
      () => import('./info-run.js'),
      (m) => m.runInfo,
    ),
  };
}

/** `docker events` (not implemented; listed as docker lists it). */
export function eventsCommand(): CommandDef {
  return {
    use: 'events [OPTIONS]',
    short: 'Get real time events from the server',
    aliasesText: 'docker system events, docker events',
    args: noArgs,
    flags: [
      filterFlag('filter', 'Filter output based on conditions provided', { short: 'f' }),
      stringFlag('format', inspectFormatHelp),
      stringFlag('since', 'Show all events created since timestamp'),
      stringFlag('until', 'Stream events until this timestamp'),
    ],
    run: lazy(
      () => import('./events-run.js'),
      (m) => m.runEvents,
    ),
  };
}

/** `docker system`. */
export function systemCommand(): CommandDef {
  return group('system', 'Manage Docker', [
    {
      use: 'df [OPTIONS]',
      short: 'Show docker disk usage',
      args: noArgs,
      flags: [
        stringFlag('format', formatHelp),
        boolFlag('verbose', 'Show detailed information on space usage', { short: 'v' }),
      ],
      run: lazy(
        () => import('./system-df-run.js'),
        (m) => m.runDiskUsage,
      ),
    },
    eventsCommand(),
    infoCommand(),
    {
      use: 'prune [OPTIONS]',
      short: 'Remove unused data',
      args: noArgs,
      flags: [
        boolFlag('all', 'Remove all unused images not just dangling ones', { short: 'a' }),
        filterFlag('filter', 'Provide filter values (e.g. "label=<key>=<value>")'),
        boolFlag('force', 'Do not prompt for confirmation', { short: 'f' }),
        boolFlag('volumes', 'Prune anonymous volumes'),
      ],
      run: lazy(
        () => import('./system-prune-run.js'),
        (m) => m.runSystemPrune,
      ),
    },
  ]);
}

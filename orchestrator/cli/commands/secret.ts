// `docker secret` (create, inspect, ls, rm).
import { type CommandDef, minArgs, noArgs, rangeArgs } from '../cobra/command.js';
import { boolFlag, filterFlag, listFlag, stringFlag } from '../cobra/flags.js';
import { formatHelp, group, inspectFormatFlag, lazy, prettyFlag } from './common.js';
import { validateLabel } from './service-values.js';

const run = (pick: (m: typeof import('./secret-run.js')) => NonNullable<CommandDef['run']>) =>
  lazy(() => import('./secret-run.js'), pick);

/** `docker secret`. */
export function secretCommand(): CommandDef {
  return group(
    'secret',
    'Manage Swarm secrets',
    [
      {
        use: 'create [OPTIONS] SECRET [file|-]',
        short: 'Create a secret from a file or STDIN as content',
        args: rangeArgs(1, 2),
        flags: [
          stringFlag('driver', 'Secret driver', { short: 'd' }),
          listFlag('label', 'Secret labels', { short: 'l', validate: validateLabel }),
          stringFlag('template-driver', 'Template driver'),
        ],
        run: run((m) => m.runCreate),
      },
      {
        use: 'inspect [OPTIONS] SECRET [SECRET...]',
        short: 'Display detailed information on one or more secrets',
        args: minArgs(1),
        flags: [inspectFormatFlag(), prettyFlag()],
        run: run((m) => m.runInspect),
      },
      {
        use: 'ls [OPTIONS]',
        aliases: ['list'],
        short: 'List secrets',
        args: noArgs,
        flags: [
          filterFlag('filter', 'Filter output based on conditions provided', { short: 'f' }),
          stringFlag('format', formatHelp),
          boolFlag('quiet', 'Only display IDs', { short: 'q' }),
        ],
        run: run((m) => m.runList),
      },
      {
        use: 'rm SECRET [SECRET...]',
        aliases: ['remove'],
        short: 'Remove one or more secrets',
        args: minArgs(1),
        run: run((m) => m.runRemove),
      },
    ],
    { swarm: 'manager' },
  );
}

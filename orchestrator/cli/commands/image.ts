// `docker pull`, `docker images`, `docker rmi`, `docker inspect` and the `docker image` group (pull, ls,
// inspect, rm, prune; the rest are not available).
import { type CommandDef, exactArgs, maxArgs, minArgs, noArgs } from '../cobra/command.js';
import { boolFlag, filterFlag, stringFlag, stringsFlag } from '../cobra/flags.js';
import { formatHelp, group, inspectFormatFlag, lazy, unsupported } from './common.js';

const run = (pick: (m: typeof import('./image-run.js')) => NonNullable<CommandDef['run']>) =>
  lazy(() => import('./image-run.js'), pick);

/** `docker pull` (also `docker image pull`). */
export function pullCommand(use = 'pull [OPTIONS] NAME[:TAG|@DIGEST]'): CommandDef {
  return {
    use,
    short: 'Download an image from a registry',
    aliasesText: 'docker image pull, docker pull',
    args: exactArgs(1),
    flags: [
      boolFlag('all-tags', 'Download all tagged images in the repository', { short: 'a' }),
      boolFlag('disable-content-trust', 'Skip image verification', { initial: true }),
      stringFlag('platform', 'Set platform if server is multi-platform capable'),
      boolFlag('quiet', 'Suppress verbose output', { short: 'q' }),
    ],
    run: run((m) => m.runPull),
  };
}

/** `docker images` (also `docker image ls`). */
export function imagesCommand(use = 'images [OPTIONS] [REPOSITORY[:TAG]]', aliases?: string[]): CommandDef {
  return {
    use,
    aliases,
    short: 'List images',
    aliasesText: 'docker image ls, docker image list, docker images',
    args: maxArgs(1),
    flags: [
      boolFlag('all', 'Show all images (default hides intermediate images)', { short: 'a' }),
      boolFlag('digests', 'Show digests'),
      filterFlag('filter', 'Filter output based on conditions provided', { short: 'f' }),
      stringFlag('format', formatHelp),
      boolFlag('no-trunc', "Don't truncate output"),
      boolFlag('quiet', 'Only show image IDs', { short: 'q' }),
      boolFlag('tree', 'List multi-platform images as a tree (EXPERIMENTAL)'),
    ],
    run: run((m) => m.runImages),
  };
}

/** `docker rmi` (also `docker image rm`). */
export function rmiCommand(use = 'rmi [OPTIONS] IMAGE [IMAGE...]', aliases?: string[]): CommandDef {
  return {
    use,
    aliases,
    short: 'Remove one or more images',
    aliasesText: 'docker image rm, docker image remove, docker rmi',
    args: minArgs(1),
    flags: [
      boolFlag('force', 'Force removal of the image', { short: 'f' }),
      boolFlag('no-prune', 'Do not delete untagged parents'),
      stringsFlag(
        'platform',
        'Remove only the given platform variant. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")',
        { annotations: { version: '1.50' } },
      ),
    ],
    run: run((m) => m.runRemove),
  };
}

/** `docker inspect`: any object by name or id. */
export function inspectCommand(): CommandDef {
  return {
    use: 'inspect [OPTIONS] NAME|ID [NAME|ID...]',
    short: 'Return low-level information on Docker objects',
    args: minArgs(1),
    flags: [
      inspectFormatFlag(),
      boolFlag('size', 'Display total file sizes if the type is container', { short: 's' }),
      stringFlag('type', 'Only inspect objects of the given type'),
    ],
    run: run((m) => m.runInspectAny),
  };
}

/** `docker container inspect`. */
export function containerInspectCommand(): CommandDef {
  return {
    use: 'inspect [OPTIONS] CONTAINER [CONTAINER...]',
    short: 'Display detailed information on one or more containers',
    args: minArgs(1),
    flags: [inspectFormatFlag(), boolFlag('size', 'Display total file sizes', { short: 's' })],
    run: run((m) => m.runContainerInspect),
  };
}

/** `docker image`. */
export function imageCommand(): CommandDef {
  const u = unsupported;
  return group('image', 'Manage images', [
    u('build [OPTIONS] PATH | URL | -', 'Build an image from a Dockerfile'),
    u('history [OPTIONS] IMAGE', 'Show the history of an image'),
    u(
      'import [OPTIONS] file|URL|- [REPOSITORY[:TAG]]',
      'Import the contents from a tarball to create a filesystem image',
    ),
    {
      use: 'inspect [OPTIONS] IMAGE [IMAGE...]',
      short: 'Display detailed information on one or more images',
      args: minArgs(1),
      flags: [
        inspectFormatFlag(),
        stringFlag(
          'platform',
          "Inspect a specific platform of the multi-platform image.\nIf the image or the server is not multi-platform capable, the command will error out if the platform does not match.\n'os[/arch[/variant]]': Explicit platform (eg. linux/amd64)",
          { annotations: { version: '1.49' } },
        ),
      ],
      run: run((m) => m.runImageInspect),
    },
    u('load [OPTIONS]', 'Load an image from a tar archive or STDIN'),
    imagesCommand('ls [OPTIONS] [REPOSITORY[:TAG]]', ['list']),
    {
      use: 'prune [OPTIONS]',
      short: 'Remove unused images',
      args: noArgs,
      flags: [
        boolFlag('all', 'Remove all unused images, not just dangling ones', { short: 'a' }),
        filterFlag('filter', 'Provide filter values (e.g. "until=<timestamp>")'),
        boolFlag('force', 'Do not prompt for confirmation', { short: 'f' }),
      ],
      run: run((m) => m.runPrune),
    },
    pullCommand('pull [OPTIONS] NAME[:TAG|@DIGEST]'),
    u('push [OPTIONS] NAME[:TAG]', 'Upload an image to a registry'),
    rmiCommand('rm [OPTIONS] IMAGE [IMAGE...]', ['remove']),
    u(
      'save [OPTIONS] IMAGE [IMAGE...]',
      'Save one or more images to a tar archive (streamed to STDOUT by default)',
    ),
    u('tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]', 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE'),
  ]);
}

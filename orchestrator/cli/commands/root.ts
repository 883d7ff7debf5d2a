// The `docker` command tree: docker CLI 28.2.2's top-level commands (so `docker --help` reads the same),
// with the swarm-mode subset implemented and the rest answering that they are not available here.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CommandDef } from '../cobra/command.js';
import { boolFlag, listFlag, stringFlag } from '../cobra/flags.js';
import { unsupported, unsupportedGroup } from './common.js';
import { containerCommand, execCommand, logsCommand, psCommand } from './container.js';
import { imageCommand, imagesCommand, inspectCommand, pullCommand, rmiCommand } from './image.js';
import { networkCommand } from './network.js';
import { nodeCommand } from './node.js';
import { secretCommand } from './secret.js';
import { serviceCommand } from './service.js';
import { swarmCommand } from './swarm.js';
import { eventsCommand, infoCommand, systemCommand, versionCommand } from './system.js';

/** The client configuration directory (DOCKER_CONFIG, else ~/.docker). */
export function configDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
}

function top(def: CommandDef, rank: number): CommandDef {
  return { ...def, annotations: { ...(def.annotations ?? {}), 'category-top': String(rank) } };
}

/** Builds the root command; `env` provides the defaults docker derives from the environment. */
export function rootCommand(env: NodeJS.ProcessEnv): CommandDef {
  const config = configDir(env);
  return {
    use: 'docker [OPTIONS] COMMAND [ARG...]',
    short: 'A self-sufficient runtime for containers',
    flags: [
      stringFlag('config', 'Location of client config files', { initial: config }),
      stringFlag(
        'context',
        'Name of the context to use to connect to the daemon (overrides DOCKER_HOST env var and default context set with "docker context use")',
        { short: 'c' },
      ),
      boolFlag('debug', 'Enable debug mode', { short: 'D' }),
      listFlag('host', 'Daemon socket to connect to', { short: 'H' }),
      stringFlag('log-level', 'Set the logging level ("debug", "info", "warn", "error", "fatal")', {
        short: 'l',
        initial: 'info',
      }),
      boolFlag('tls', 'Use TLS; implied by --tlsverify'),
      stringFlag('tlscacert', 'Trust certs signed only by this CA', { initial: join(config, 'ca.pem') }),
      stringFlag('tlscert', 'Path to TLS certificate file', { initial: join(config, 'cert.pem') }),
      stringFlag('tlskey', 'Path to TLS key file', { initial: join(config, 'key.pem') }),
      boolFlag('tlsverify', 'Use TLS and verify the remote', {
        initial: env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== '',
      }),
      boolFlag('version', 'Print version information and quit', { short: 'v' }),
    ],
    persistentFlags: [
      boolFlag('help', 'Print usage', { short: 'h', hidden: true, shorthandDeprecated: 'use --help' }),
    ],
    commands: [
      // Common commands (docker's "category-top" order).
      top(
        unsupported('run [OPTIONS] IMAGE [COMMAND] [ARG...]', 'Create and run a new container from an image'),
        1,
      ),
      top(execCommand(), 2),
      top(psCommand(), 3),
      top(unsupported('build [OPTIONS] PATH | URL | -', 'Build an image from a Dockerfile'), 4),
      top(pullCommand(), 5),
      top(unsupported('push [OPTIONS] NAME[:TAG]', 'Upload an image to a registry'), 6),
      top(imagesCommand(), 7),
      top(unsupported('login [OPTIONS] [SERVER]', 'Authenticate to a registry'), 8),
      top(unsupported('logout [SERVER]', 'Log out from a registry'), 9),
      top(unsupported('search [OPTIONS] TERM', 'Search Docker Hub for images'), 10),
      top(versionCommand(), 11),
      top(infoCommand(), 12),
      // Management commands.
      unsupportedGroup('builder', 'Manage builds'),
      unsupportedGroup('checkpoint', 'Manage checkpoints', { experimental: '' }),
      containerCommand(),
      unsupportedGroup('context', 'Manage contexts'),
      imageCommand(),
      unsupportedGroup('manifest', 'Manage Docker image manifests and manifest lists'),
      networkCommand(),
      unsupportedGroup('plugin', 'Manage plugins'),
      systemCommand(),
      unsupportedGroup('trust', 'Manage trust on Docker images'),
      unsupportedGroup('volume', 'Manage volumes'),
      // Swarm commands.
      unsupportedGroup('config', 'Manage Swarm configs', { swarm: 'manager' }),
      nodeCommand(),
      secretCommand(),
      serviceCommand(),
      unsupportedGroup('stack', 'Manage Swarm stacks', { swarm: 'manager' }),
      swarmCommand(),
      // Other commands.
      unsupported(
        'attach [OPTIONS] CONTAINER',
        'Attach local standard input, output, and error streams to a running container',
      ),
      unsupported(
        'commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
        "Create a new image from a container's changes",
      ),
      unsupported(
        'cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-',
        'Copy files/folders between a container and the local filesystem',
      ),
      unsupported('create [OPTIONS] IMAGE [COMMAND] [ARG...]', 'Create a new container'),
      unsupported('diff CONTAINER', "Inspect changes to files or directories on a container's filesystem"),
      eventsCommand(),
      unsupported('export [OPTIONS] CONTAINER', "Export a container's filesystem as a tar archive"),
      unsupported('history [OPTIONS] IMAGE', 'Show the history of an image'),
      unsupported(
        'import [OPTIONS] file|URL|- [REPOSITORY[:TAG]]',
        'Import the contents from a tarball to create a filesystem image',
      ),
      inspectCommand(),
      unsupported('kill [OPTIONS] CONTAINER [CONTAINER...]', 'Kill one or more running containers'),
      unsupported('load [OPTIONS]', 'Load an image from a tar archive or STDIN'),
      logsCommand(),
      unsupported('pause CONTAINER [CONTAINER...]', 'Pause all processes within one or more containers'),
      unsupported(
        'port CONTAINER [PRIVATE_PORT[/PROTO]]',
        'List port mappings or a specific mapping for the container',
      ),
      unsupported('rename CONTAINER NEW_NAME', 'Rename a container'),
      unsupported('restart [OPTIONS] CONTAINER [CONTAINER...]', 'Restart one or more containers'),
      unsupported('rm [OPTIONS] CONTAINER [CONTAINER...]', 'Remove one or more containers'),
      rmiCommand(),
      unsupported(
        'save [OPTIONS] IMAGE [IMAGE...]',
        'Save one or more images to a tar archive (streamed to STDOUT by default)',
      ),
      unsupported('start [OPTIONS] CONTAINER [CONTAINER...]', 'Start one or more stopped containers'),
      unsupported(
        'stats [OPTIONS] [CONTAINER...]',
        'Display a live stream of container(s) resource usage statistics',
      ),
      unsupported('stop [OPTIONS] CONTAINER [CONTAINER...]', 'Stop one or more running containers'),
      unsupported(
        'tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
        'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
      ),
      unsupported('top CONTAINER [ps OPTIONS]', 'Display the running processes of a container'),
      unsupported('unpause CONTAINER [CONTAINER...]', 'Unpause all processes within one or more containers'),
      unsupported(
        'update [OPTIONS] CONTAINER [CONTAINER...]',
        'Update configuration of one or more containers',
      ),
      unsupported(
        'wait CONTAINER [CONTAINER...]',
        'Block until one or more containers stop, then print their exit codes',
      ),
    ],
  };
}

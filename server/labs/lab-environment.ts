import { accessSync, constants, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lab, LabNode } from '../../labs/provider.js';
import { labVariables } from '../../lessons/checks/check-context.js';

const swarmlabDocker = fileURLToPath(new URL('../../../bin/docker.js', import.meta.url));

/** How to start a node's shell: what node-pty (or a solve script) runs, where, with which environment. */
export interface NodeShell {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first `name` on PATH, skipping folders under `skipUnder` (our own shims). */
export function which(name: string, path = process.env.PATH ?? '', skipUnder?: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir || (skipUnder && dir.startsWith(skipUnder))) continue;
    const candidate = join(dir, name);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

/**
 * The `docker` lab terminals run: "auto" is the real CLI when one is on PATH, else swarmlab's own
 * (bin/docker.js); "swarmlab" forces ours; anything else is a path to a docker binary. Returns a shell command.
 */
export function dockerCommand(
  choice: string,
  skipUnder?: string,
): { command: string; kind: 'docker' | 'swarmlab' } {
  if (choice !== 'swarmlab') {
    const real = choice === 'auto' ? which('docker', process.env.PATH, skipUnder) : choice;
    if (real) return { command: quote(real), kind: 'docker' };
  }
  return { command: `${quote(process.execPath)} ${quote(swarmlabDocker)}`, kind: 'swarmlab' };
}

function bashPath(): string | undefined {
  return ['/bin/bash', '/usr/bin/bash'].find(executable) ?? which('bash');
}

/** The rc file of a node's shell: its prompt, and a line saying where the learner is. */
function rcFile(node: LabNode, nodes: LabNode[]): string {
  const others = nodes
    .filter((n) => n !== node)
    .map((n) => `${n.name} is $${n.name.toUpperCase().replace('-', '_')}`);
  return [
    '# swarmlab: the shell of one lab node',
    `PS1='\\[\\e[1;32m\\]\\u@${node.name}\\[\\e[0m\\]:\\[\\e[1;34m\\]\\w\\[\\e[0m\\]\\$ '`,
    'HISTCONTROL=ignoredups',
    "alias ll='ls -l'",
    `printf '\\033[2m%s\\033[0m\\n' ${quote(`${node.name} (${node.addr}): docker talks to this node. ${others.length ? `Others: ${others.join(', ')}.` : ''}`)}`,
    '',
  ].join('\n');
}

/**
 * The shells of one lab: a bin folder first on PATH with the `docker` shim, a home per node, and an
 * environment per node (DOCKER_HOST, SWARM_1.., DOCKER_HOST_SWARM_1.., the prompt).
 */
export class LabEnvironment {
  readonly binDir: string;
  readonly docker: { command: string; kind: 'docker' | 'swarmlab' };

  constructor(
    readonly dir: string,
    readonly lab: Lab,
    dockerCli: string,
  ) {
    this.binDir = join(dir, 'bin');
    mkdirSync(this.binDir, { recursive: true, mode: 0o700 });
    this.docker = dockerCommand(dockerCli, dir);
    writeFileSync(join(this.binDir, 'docker'), `#!/bin/sh\nexec ${this.docker.command} "$@"\n`, {
      mode: 0o755,
    });
    for (const node of lab.nodes) {
      const home = this.homeOf(node.name);
      mkdirSync(home, { recursive: true, mode: 0o700 });
      writeFileSync(join(home, '.swarmlabrc'), rcFile(node, lab.nodes));
      if (!existsSync(join(home, '.bashrc'))) writeFileSync(join(home, '.bashrc'), '. ~/.swarmlabrc\n');
    }
  }

  homeOf(nodeName: string): string {
    return join(this.dir, 'home', nodeName);
  }

  /** The environment of a node's shells. The server's own environment is not passed on (it may hold secrets). */
  envOf(node: LabNode): Record<string, string> {
    const env: Record<string, string> = {};
    for (const key of ['USER', 'LOGNAME', 'LANG', 'LC_ALL', 'TZ']) {
      const value = process.env[key];
      if (value) env[key] = value;
    }
    const home = this.homeOf(node.name);
    return {
      ...env,
      LANG: env.LANG ?? 'C.UTF-8',
      HOME: home,
      PATH: [this.binDir, process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'].join(delimiter),
      TERM: 'xterm-256color',
      COLORTERM: 'truecolor',
      HISTFILE: join(home, '.bash_history'),
      DOCKER_HOST: node.dockerHost,
      DOCKER_CLI_HINTS: 'false',
      SWARM_NODE: node.name,
      SWARMLAB_LAB_ID: this.lab.id,
      ...labVariables(this.lab),
    };
  }

  /** An interactive shell on the node. */
  shellOf(node: LabNode): NodeShell {
    const bash = bashPath();
    const home = this.homeOf(node.name);
    const env = this.envOf(node);
    if (bash)
      return {
        file: bash,
        args: ['--rcfile', join(home, '.swarmlabrc'), '-i'],
        cwd: home,
        env: { ...env, SHELL: bash },
      };
    return {
      file: '/bin/sh',
      args: ['-i'],
      cwd: home,
      env: { ...env, SHELL: '/bin/sh', ENV: join(home, '.swarmlabrc') },
    };
  }

  /** A non-interactive shell running `script` on the node (solve scripts). */
  scriptOf(node: LabNode, script: string): NodeShell {
    const bash = bashPath() ?? '/bin/sh';
    return {
      file: bash,
      args: ['-e', '-c', script],
      cwd: this.homeOf(node.name),
      env: { ...this.envOf(node), SHELL: bash },
    };
  }
}

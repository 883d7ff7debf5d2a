import { swarmlabVersion } from '../../orchestrator/common/version.js';
import { parseDuration } from '../config.js';
// Only `start` loads the workshop (express, socket.io, SQLite, node-pty): `lab` and `--version` stay quick.
import type { RunningWorkshop, WorkshopOverrides } from '../workshop.js';

const usage = `Usage:  swarmlab COMMAND

The swarmlab workshop: learn Docker Swarm in the browser.

Commands:
  lab        Manage local labs (up, ls, down)
  lessons    List the lessons, or prove they work (ls, test)
  start      Run the workshop web app (default http://127.0.0.1:4000)

Options:
  -h, --help      Print usage
  -v, --version   Print version information and quit

Run 'swarmlab COMMAND --help' for more information on a command.
`;

const startUsage = `Usage:  swarmlab start [OPTIONS]

Run the workshop web app: lessons, a terminal per lab node, live step checks and a cluster view.

Options:
      --allow-host strings   Also answer to this host name (repeatable), e.g. a DNS name in front of the server
      --data-dir string      Progress database and lab files (default "$SWARMLAB_HOME/workshop", "~/.swarmlab/workshop")
      --docker-cli string    docker in lab terminals: "auto" (the real CLI if installed, else swarmlab's),
                             "swarmlab", or a path (default "auto"; env SWARMLAB_DOCKER_CLI)
      --host string          Address to listen on (default "127.0.0.1"); any other address requires a token
      --idle-timeout string  Remove labs nobody typed into for this long, e.g. 90m, 2h (default "2h")
      --max-labs int         Labs this server runs at most at once (default 100)
      --port int             Port to listen on (default 4000)
      --token string         Access token browsers need once (default: generated when not on loopback;
                             env SWARMLAB_TOKEN)
`;

function optionValue(argv: string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  if (at >= 0) return argv[at + 1];
  const inline = argv.find((a) => a.startsWith(`${name}=`));
  return inline?.slice(name.length + 1);
}

function optionValues(argv: string[], name: string): string[] {
  const values: string[] = [];
  argv.forEach((arg, i) => {
    if (arg === name && argv[i + 1] !== undefined) values.push(argv[i + 1]);
    else if (arg.startsWith(`${name}=`)) values.push(arg.slice(name.length + 1));
  });
  return values;
}

class StartUsageError extends Error {}

function startOptions(argv: string[]): WorkshopOverrides {
  const options: WorkshopOverrides = {};
  const host = optionValue(argv, '--host');
  if (host !== undefined) options.host = host;
  const portText = optionValue(argv, '--port') ?? process.env.PORT;
  if (portText !== undefined) {
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new StartUsageError(`invalid port "${portText}": use a number from 0 to 65535`);
    }
    options.port = port;
  }
  const dataDir = optionValue(argv, '--data-dir');
  if (dataDir !== undefined) options.dataDir = dataDir;
  const token = optionValue(argv, '--token');
  if (token !== undefined) {
    if (token.length < 8) throw new StartUsageError('--token must be at least 8 characters long');
    options.token = token;
  }
  const allowed = optionValues(argv, '--allow-host');
  if (allowed.length > 0) options.allowedHosts = allowed;
  const idle = optionValue(argv, '--idle-timeout');
  if (idle !== undefined) {
    const ms = parseDuration(idle);
    if (ms === undefined || ms < 1_000)
      throw new StartUsageError(`invalid --idle-timeout "${idle}": use e.g. 90m or 2h`);
    options.idleTimeoutMs = ms;
  }
  const maxLabs = optionValue(argv, '--max-labs');
  if (maxLabs !== undefined) {
    const n = Number(maxLabs);
    if (!Number.isInteger(n) || n < 1)
      throw new StartUsageError(`invalid --max-labs "${maxLabs}": use a whole number from 1`);
    options.maxLabs = n;
  }
  const dockerCli = optionValue(argv, '--docker-cli');
  if (dockerCli !== undefined) options.dockerCli = dockerCli;
  return options;
}

async function start(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(startUsage);
    return;
  }
  let options: WorkshopOverrides;
  try {
    options = startOptions(argv);
  } catch (error) {
    process.stderr.write(`swarmlab: ${(error as Error).message}\nSee 'swarmlab start --help'\n`);
    process.exitCode = 1;
    return;
  }
  let workshop: RunningWorkshop;
  try {
    const { startWorkshop } = await import('../workshop.js');
    workshop = await startWorkshop(options);
  } catch (error) {
    const port = options.port ?? 4000;
    const { code, message } = error as NodeJS.ErrnoException;
    const hint = code === 'EADDRINUSE' ? `: port ${port} is in use; pass --port to pick another` : '';
    process.stderr.write(`swarmlab: cannot start the workshop${hint} (${message})\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`swarmlab ${swarmlabVersion}: workshop at ${workshop.url}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    workshop.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.once('SIGHUP', stop);
}

export function main(argv: string[]): void {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(usage);
    return;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`swarmlab version ${swarmlabVersion}\n`);
    return;
  }
  if (command === 'lab') {
    void import('../../labs/cli.js').then(async ({ labCommand }) => {
      process.exitCode = await labCommand(rest);
    });
    return;
  }
  if (command === 'lessons') {
    void import('./lessons-command.js').then(async ({ lessonsCommand }) => {
      process.exitCode = await lessonsCommand(rest);
    });
    return;
  }
  if (command === 'start') {
    void start(rest);
    return;
  }
  process.stderr.write(`swarmlab: '${command}' is not a swarmlab command.\nSee 'swarmlab --help'\n`);
  process.exitCode = 1;
}

import { exitWithParent } from '../common/lifeline.js';
import { swarmlabVersion } from '../common/version.js';
import { Daemon } from './daemon.js';
import { parseOptions, UsageError } from './options.js';

const usage = `Usage:  swarmd [OPTIONS]

A swarmlab node daemon: one Docker Swarm mode node serving the Docker Engine API.

Options:
      --name string       Node name, shown as HOSTNAME in "docker node ls" (default $HOSTNAME)
      --addr string       Node address: it listens and advertises there, cluster port 2377
                          (host[:port] where only 127.0.0.1 is usable) (default "127.0.0.1")
      --data-dir string   Directory for the node's state (default "~/.swarmd/<name>")
      --api string        API endpoint: unix:///path or tcp://addr:port
                          (default "unix://<data-dir>/docker.sock")
      --profile string    Timings: "swarm" (Docker's defaults) or "lab" (fast failover) (default "swarm")
      --lifeline          Exit when stdin closes (used by lab supervisors)
  -h, --help              Print usage
  -v, --version           Print version information and quit
`;

export function main(argv: string[]): void {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage);
    return;
  }
  if (argv.includes('--version') || argv.includes('-v')) {
    process.stdout.write(`swarmd version ${swarmlabVersion}\n`);
    return;
  }
  let daemon: Daemon;
  try {
    daemon = new Daemon(parseOptions(argv));
  } catch (error) {
    process.stderr.write(`swarmd: ${error instanceof UsageError ? error.message : (error as Error).stack}\n`);
    process.exitCode = 1;
    return;
  }
  let stopping: Promise<void> | undefined;
  const shutdown = () => (stopping ??= daemon.stop());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void shutdown().finally(() => process.exit(0)));
  }
  if (daemon.options.lifeline) exitWithParent(shutdown);
  daemon.start().then(
    (endpoint) => {
      // One line on stdout when ready: lab supervisors wait for it.
      process.stdout.write(`${JSON.stringify({ ready: true, api: endpoint, pid: process.pid })}\n`);
    },
    (error: Error) => {
      process.stderr.write(`swarmd: cannot start: ${error.message}\n`);
      process.exit(1);
    },
  );
}

// swarmlab-docker: a docker-compatible CLI (docker CLI 28.2.2's swarm-mode commands) over the Engine API.
import { CliEnv, type CliStreams, clientInfo, type Output, validateGlobalOptions } from './cli-env.js';
import { Command, execute } from './cobra/command.js';
import type { FlagValues } from './cobra/flags.js';
import { helpOptions } from './commands/help-options.js';
import { rootCommand } from './commands/root.js';

function processOutput(stream: NodeJS.WriteStream): Output {
  return {
    write: (text) => {
      stream.write(text);
    },
    get isTerminal() {
      return Boolean(stream.isTTY);
    },
    get columns() {
      return stream.isTTY ? stream.columns : 0;
    },
  };
}

function stdinColumns(): number {
  if (!process.stdin.isTTY) return 0;
  if (process.stdout.isTTY) return process.stdout.columns;
  if (process.stderr.isTTY) return process.stderr.columns;
  return 0;
}

/** Runs the CLI on `argv` with the given streams and environment; resolves to the exit code. */
export async function run(argv: string[], streams: CliStreams, env: NodeJS.ProcessEnv): Promise<number> {
  const root = new Command(rootCommand(env));
  let cli: CliEnv | undefined;
  const prepare = (globals: FlagValues) => {
    const hosts = globals.get<string[]>('host');
    validateGlobalOptions({
      hosts,
      contextGiven: globals.changed('context'),
      logLevel: globals.get<string>('log-level'),
    });
    cli = new CliEnv(streams, env, {
      hosts,
      context: globals.get<string>('context'),
      configDir: globals.get<string>('config'),
      tls: globals.get<boolean>('tls'),
      tlsVerify: globals.get<boolean>('tlsverify'),
      tlsFiles: [
        globals.get<string>('tlscacert'),
        globals.get<string>('tlscert'),
        globals.get<string>('tlskey'),
      ],
      debug: globals.get<boolean>('debug'),
    });
    return cli;
  };
  const fallback = () => (cli ??= new CliEnv(streams, env));
  try {
    return await execute(
      root,
      argv,
      {
        stdout: (text) => streams.stdout.write(text),
        stderr: (text) => streams.stderr.write(text),
        help: (toStdout) => helpOptions(fallback(), toStdout),
      },
      prepare,
      () => `Docker version ${clientInfo.version}, build ${clientInfo.gitCommit}\n`,
    );
  } finally {
    cli?.close();
  }
}

/** The process entry point (bin/docker.js). */
export function main(argv: string[]): void {
  const streams: CliStreams = {
    stdout: processOutput(process.stdout),
    stderr: processOutput(process.stderr),
    stdin: process.stdin,
    stdinColumns: stdinColumns(),
  };
  run(argv, streams, process.env).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? err}\n`);
      process.exitCode = 1;
    },
  );
}

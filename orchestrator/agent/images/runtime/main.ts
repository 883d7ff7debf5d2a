/**
 * A container's first process. The executor starts it (inside bubblewrap when available) with the path of the
 * container's runtime config; fd 3 is its lifeline to the executor: port mappings and start errors go up,
 * signals come down, and when the executor's end closes the container exits at once (no orphan).
 */
import { fstatSync, readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { findProgram } from '../shell/commands.js';
import { emptyInput, normalizeSignal, Proc } from '../shell/process.js';
import type { RuntimeConfig } from './config.js';
import { createContainerContext } from './context.js';
import { serveControl } from './control-server.js';

type Message = Record<string, unknown>;

/** The lifeline on fd 3 (absent when the runtime is started by hand). */
function openLifeline(onMessage: (message: Message) => void): (message: Message) => void {
  try {
    fstatSync(3);
  } catch {
    return () => {};
  }
  const socket = new Socket({ fd: 3, readable: true, writable: true });
  let pending = '';
  socket.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      try {
        onMessage(JSON.parse(line) as Message);
      } catch {
        // Ignore a garbled line; the executor only sends JSON.
      }
      newline = pending.indexOf('\n');
    }
  });
  // The executor (swarmd) is gone: a container never outlives it.
  const die = () => process.exit(137);
  socket.on('end', die);
  socket.on('close', die);
  socket.on('error', die);
  return (message) => {
    if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
  };
}

async function main(): Promise<void> {
  const configPath = process.argv[2];
  if (!configPath) {
    process.stderr.write('usage: node runtime/main.js <config.json>\n');
    process.exit(125);
  }
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as RuntimeConfig;
  let root: Proc | undefined;
  const pendingSignals: string[] = [];
  const deliver = (name: string) => {
    const signal = normalizeSignal(name);
    if (!signal) return;
    if (root) root.kill(signal);
    else pendingSignals.push(signal);
  };
  const send = openLifeline((message) => {
    if (message.type === 'signal' && typeof message.signal === 'string') deliver(message.signal);
  });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const) {
    process.on(signal, () => deliver(signal));
  }
  process.on('uncaughtException', (error) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });

  const context = createContainerContext(config, config.image, send, (line) =>
    process.stderr.write(`${line}\n`),
  );
  await serveControl(config.controlSocket, context);

  root = new Proc({
    argv: config.argv,
    env: new Map(context.env),
    cwd: config.workingDir || '/',
    stdin: emptyInput(),
    stdout: process.stdout,
    stderr: process.stderr,
    container: context,
  });
  const program = config.argv.length > 0 ? await findProgram(config.argv[0], root) : undefined;
  if (!program) {
    const message =
      config.argv.length === 0
        ? 'no command specified'
        : `exec: "${config.argv[0]}": executable file not found in $PATH`;
    send({ type: 'start-error', message });
    process.stderr.write(`${message}\n`);
    process.exit(127);
  }
  send({ type: 'started' });
  for (const signal of pendingSignals) root.kill(signal);
  let code: number;
  try {
    code = await program(root);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    code = 1;
  }
  process.exit(code);
}

main().catch((error: unknown) => {
  process.stderr.write(`container runtime: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(125);
});

// `docker ps`, `docker exec` and `docker logs` (docker's cli/command/container).

import { readFileSync } from 'node:fs';
import type { ContainerSummary } from '../../api/engine-types.js';
import { encodeFilters } from '../client/engine-client.js';
import { demultiplex } from '../client/stdcopy.js';
import { type Invocation, StatusError } from '../cobra/command.js';
import type { Filters } from '../cobra/flags.js';
import { ContainerContext, containerFormat, containerHeader } from '../formatter/container-formatter.js';
import { parseTemplate, writeFormatted } from '../formatter/format-context.js';
import { logTimestamp } from './service-run.js';
import { validateEnv } from './service-values.js';

/** `docker ps`. */
export async function runPs({ flags, env }: Invocation): Promise<void> {
  const quiet = flags.get<boolean>('quiet');
  const given = flags.get<string>('format');
  if (given && quiet)
    env.err.write('WARNING: Ignoring custom format, because both --format and --quiet are set.\n');
  // Without --format, the config file's psFormat (if any).
  const format = given || env.configFile.psFormat || '';
  let size = flags.get<boolean>('size');
  if (format) {
    try {
      parseTemplate(format);
    } catch (err) {
      throw new Error(
        `failed to parse template: ${(err as Error).message.replace(/^template parsing error: /, '')}`,
      );
    }
    if (!quiet && !size && !flags.changed('size') && /\.Size\b/.test(format)) size = true;
  }
  let limit = flags.get<number>('last');
  if (flags.get<boolean>('latest') && limit === -1) limit = 1;
  const containers = await env.client().get<ContainerSummary[]>('/containers/json', {
    all: flags.get<boolean>('all') ? '1' : undefined,
    limit: limit > 0 ? String(limit) : undefined,
    size: size ? '1' : undefined,
    filters: encodeFilters(flags.get<Filters>('filter')),
  });
  const trunc = !flags.get<boolean>('no-trunc');
  writeFormatted(
    env.out,
    containerFormat(format || 'table', quiet, size),
    containerHeader,
    (containers ?? []).map((c) => new ContainerContext(c, trunc)),
  );
}

function readEnvFiles(files: string[], values: string[], envVars: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const file of files) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const trimmed = line.replace(/^\s+/, '').replace(/\r$/, '');
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      out.push(validateEnv(trimmed, envVars));
    }
  }
  return [...out, ...values.map((v) => validateEnv(v, envVars))];
}

/** `docker exec`. */
export async function runExec({ args, flags, env }: Invocation): Promise<void> {
  const client = env.client();
  const container = args[0]!;
  const detach = flags.get<boolean>('detach');
  const tty = flags.get<boolean>('tty');
  const interactive = flags.get<boolean>('interactive');
  await client.get(`/containers/${container}/json`);
  const stdin = env.streams.stdin;
  if (!detach && interactive && tty && !stdin.isTTY) throw new Error('the input device is not a TTY');
  const consoleSize =
    tty && env.out.isTerminal ? [process.stdout.rows ?? 24, process.stdout.columns ?? 80] : undefined;
  const body: Record<string, unknown> = {
    User: flags.get<string>('user'),
    Privileged: flags.get<boolean>('privileged'),
    Tty: tty,
    ConsoleSize: consoleSize ?? null,
    AttachStdin: !detach && interactive,
    AttachStderr: !detach,
    AttachStdout: !detach,
    DetachKeys: flags.get<string>('detach-keys'),
    Env: readEnvFiles(flags.get<string[]>('env-file'), flags.get<string[]>('env'), env.env),
    WorkingDir: flags.get<string>('workdir'),
    Cmd: args.slice(1),
  };
  const created = await client.json<{ Id?: string }>('POST', `/containers/${container}/exec`, { body });
  const execId = created?.Id ?? '';
  if (execId === '') throw new Error('exec ID empty');
  if (detach) {
    await client.request('POST', `/exec/${execId}/start`, {
      body: { Detach: true, Tty: tty, ConsoleSize: consoleSize ?? null },
    });
    return;
  }
  const { socket, head } = await client.hijack(`/exec/${execId}/start`, {
    Detach: false,
    Tty: tty,
    ConsoleSize: consoleSize ?? null,
  });
  const raw = tty && stdin.isTTY && stdin.setRawMode;
  if (raw) stdin.setRawMode!(true);
  const onResize = () => {
    client
      .request('POST', `/exec/${execId}/resize`, {
        query: { h: String(process.stdout.rows), w: String(process.stdout.columns) },
      })
      .catch(() => undefined);
  };
  if (tty && env.out.isTerminal) process.stdout.on('resize', onResize);
  const onInput = (chunk: Buffer) => socket.write(chunk);
  if (interactive) {
    stdin.on('data', onInput);
    stdin.once('end', () => (socket as { end?: () => void }).end?.());
    stdin.resume();
  }
  try {
    // As docker: a TTY's output is copied as is, otherwise it is demultiplexed into stdout and stderr.
    if (tty) {
      if (head.length) env.out.write(head.toString('utf8'));
      for await (const chunk of socket) env.out.write((chunk as Buffer).toString('utf8'));
    } else {
      await demultiplex(
        socket,
        (stream, payload) => (stream === 2 ? env.err : env.out).write(payload.toString('utf8')),
        head,
      );
    }
  } finally {
    if (raw) stdin.setRawMode!(false);
    if (interactive) {
      stdin.off('data', onInput);
      stdin.pause();
    }
    process.stdout.off('resize', onResize);
  }
  const inspect = await client.get<{ ExitCode?: number; Running?: boolean }>(`/exec/${execId}/json`);
  const code = inspect.ExitCode ?? 0;
  if (code !== 0) throw new StatusError('', code);
}

/** `docker logs`. */
export async function runLogs({ args, flags, env }: Invocation): Promise<void> {
  const client = env.client();
  const container = await client.get<{ Config?: { Tty?: boolean } }>(`/containers/${args[0]}/json`);
  const query: Record<string, string | undefined> = {
    stdout: '1',
    stderr: '1',
    since: flags.get<string>('since') ? logTimestamp(flags.get<string>('since')) : undefined,
    until: flags.get<string>('until') ? logTimestamp(flags.get<string>('until')) : undefined,
    timestamps: flags.get<boolean>('timestamps') ? '1' : undefined,
    details: flags.get<boolean>('details') ? '1' : undefined,
    follow: flags.get<boolean>('follow') ? '1' : undefined,
    tail: flags.get<string>('tail'),
  };
  const stream = await client.stream('GET', `/containers/${args[0]}/logs`, { query });
  if (container.Config?.Tty) {
    for await (const chunk of stream) env.out.write((chunk as Buffer).toString('utf8'));
    return;
  }
  await demultiplex(stream, (stream, payload) =>
    (stream === 2 ? env.err : env.out).write(payload.toString('utf8')),
  );
}

import { createServer, type Socket } from 'node:net';
import { findProgram } from '../shell/commands.js';
import { aborted, type Program, readLines } from '../shell/process.js';
import { decodeCommand, decodeReply, encodeResp, RespError, type RespValue } from './resp.js';

interface Entry {
  value: string;
  expiresAt?: number;
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Redis's log prefix: `1:M 07 Jan 00:49:32.123` (3.x) or `1:M 07 Jan 2025 00:49:32.123` (since 4.0). */
function logPrefix(major: number, role = 'M'): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const year = major >= 4 ? ` ${d.getUTCFullYear()}` : '';
  return `1:${role} ${p(d.getUTCDate())} ${months[d.getUTCMonth()]}${year} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`;
}

class RedisStore {
  private readonly data = new Map<string, Entry>();
  private readonly started = Date.now();
  commands = 0;
  connections = 0;

  constructor(
    private readonly version: string,
    private readonly port: number,
  ) {}

  private get(key: string): Entry | undefined {
    const entry = this.data.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.data.delete(key);
      return undefined;
    }
    return entry;
  }

  private arity(name: string): RespError {
    return new RespError(`ERR wrong number of arguments for '${name}' command`);
  }

  private info(): string {
    const uptime = Math.floor((Date.now() - this.started) / 1000);
    const keys = [...this.data.keys()].filter((key) => this.get(key) !== undefined).length;
    return [
      '# Server',
      `redis_version:${this.version}`,
      'redis_git_sha1:00000000',
      'redis_git_dirty:0',
      'redis_mode:standalone',
      'os:Linux x86_64',
      'arch_bits:64',
      'multiplexing_api:epoll',
      `process_id:1`,
      `tcp_port:${this.port}`,
      `uptime_in_seconds:${uptime}`,
      `uptime_in_days:${Math.floor(uptime / 86400)}`,
      `executable:/data/redis-server`,
      `config_file:`,
      '',
      '# Clients',
      `connected_clients:${this.connections}`,
      '',
      '# Memory',
      `used_memory:${process.memoryUsage().heapUsed}`,
      '',
      '# Stats',
      `total_connections_received:${this.connections}`,
      `total_commands_processed:${this.commands}`,
      '',
      '# Replication',
      'role:master',
      'connected_slaves:0',
      '',
      '# Keyspace',
      ...(keys > 0 ? [`db0:keys=${keys},expires=0,avg_ttl=0`] : []),
    ]
      .join('\r\n')
      .concat('\r\n');
  }

  /** Runs one command; `quit` asks the connection to close after the reply. */
  run(args: string[]): { reply: RespValue; quit?: boolean } {
    this.commands++;
    const [rawName, ...rest] = args;
    const name = rawName.toLowerCase();
    switch (name) {
      case 'ping':
        if (rest.length > 1) return { reply: this.arity(name) };
        return { reply: rest.length === 1 ? rest[0] : { simple: 'PONG' } };
      case 'echo':
        return { reply: rest.length === 1 ? rest[0] : this.arity(name) };
      case 'get':
        if (rest.length !== 1) return { reply: this.arity(name) };
        return { reply: this.get(rest[0])?.value ?? null };
      case 'set': {
        if (rest.length < 2) return { reply: this.arity(name) };
        const [key, value, ...options] = rest;
        let expiresAt: number | undefined;
        let mode: 'nx' | 'xx' | undefined;
        for (let i = 0; i < options.length; i++) {
          const option = options[i].toLowerCase();
          if (option === 'nx' || option === 'xx') mode = option;
          else if ((option === 'ex' || option === 'px') && options[i + 1] !== undefined) {
            const amount = Number(options[++i]);
            if (!Number.isInteger(amount) || amount <= 0)
              return { reply: new RespError('ERR invalid expire time in set') };
            expiresAt = Date.now() + (option === 'ex' ? amount * 1000 : amount);
          } else return { reply: new RespError('ERR syntax error') };
        }
        const exists = this.get(key) !== undefined;
        if ((mode === 'nx' && exists) || (mode === 'xx' && !exists)) return { reply: null };
        this.data.set(key, { value, expiresAt });
        return { reply: { simple: 'OK' } };
      }
      case 'del':
      case 'unlink':
        if (rest.length === 0) return { reply: this.arity(name) };
        return { reply: rest.filter((key) => this.get(key) !== undefined && this.data.delete(key)).length };
      case 'exists':
        if (rest.length === 0) return { reply: this.arity(name) };
        return { reply: rest.filter((key) => this.get(key) !== undefined).length };
      case 'incr':
      case 'decr':
      case 'incrby':
      case 'decrby': {
        const by =
          name === 'incr' ? 1 : name === 'decr' ? -1 : Number(rest[1]) * (name === 'decrby' ? -1 : 1);
        if (rest.length !== (name.endsWith('by') ? 2 : 1)) return { reply: this.arity(name) };
        if (!Number.isInteger(by))
          return { reply: new RespError('ERR value is not an integer or out of range') };
        const entry = this.get(rest[0]);
        const current = entry === undefined ? 0 : Number(entry.value);
        if (!/^-?\d+$/.test(entry?.value ?? '0') || !Number.isSafeInteger(current)) {
          return { reply: new RespError('ERR value is not an integer or out of range') };
        }
        const next = current + by;
        this.data.set(rest[0], { value: String(next), expiresAt: entry?.expiresAt });
        return { reply: next };
      }
      case 'keys': {
        if (rest.length !== 1) return { reply: this.arity(name) };
        const pattern = new RegExp(
          `^${rest[0]
            .replace(/[.+^${}()|\\]/g, '\\$&')
            .replace(/\*/g, '.*')
            .replace(/\?/g, '.')}$`,
        );
        return {
          reply: [...this.data.keys()].filter((key) => this.get(key) !== undefined && pattern.test(key)),
        };
      }
      case 'dbsize':
        return { reply: [...this.data.keys()].filter((key) => this.get(key) !== undefined).length };
      case 'flushdb':
      case 'flushall':
        this.data.clear();
        return { reply: { simple: 'OK' } };
      case 'select':
        return { reply: rest[0] === '0' ? { simple: 'OK' } : new RespError('ERR DB index is out of range') };
      case 'info':
        return { reply: this.info() };
      case 'command':
        return { reply: [] };
      case 'client':
      case 'hello':
        return {
          reply: name === 'hello' ? new RespError(`ERR unknown command '${rawName}'`) : { simple: 'OK' },
        };
      case 'quit':
        return { reply: { simple: 'OK' }, quit: true };
      default: {
        const major = Number(this.version.split('.')[0]);
        const message =
          major >= 6
            ? `ERR unknown command '${rawName}', with args beginning with: ${rest.map((a) => `'${a}' `).join('')}`
            : `ERR unknown command '${rawName}'`;
        return { reply: new RespError(message) };
      }
    }
  }
}

function serveClient(socket: Socket, store: RedisStore): void {
  store.connections++;
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      let command: ReturnType<typeof decodeCommand>;
      try {
        command = decodeCommand(buffered);
      } catch (error) {
        socket.end(encodeResp(new RespError(`ERR ${(error as Error).message}`)));
        return;
      }
      if (!command) return;
      buffered = buffered.subarray(command.consumed);
      if (command.args.length === 0) continue;
      const { reply, quit } = store.run(command.args);
      socket.write(encodeResp(reply));
      if (quit) {
        socket.end();
        return;
      }
    }
  });
  socket.on('error', () => socket.destroy());
}

/** redis-server: RESP on 6379 (or `--port`). */
export const redisServer: Program = async (proc) => {
  const args = proc.argv.slice(1);
  const portAt = args.indexOf('--port');
  const port = portAt >= 0 ? Number(args[portAt + 1]) : 6379;
  const version = proc.getenv('REDIS_VERSION', '3.0.6');
  const major = Number(version.split('.')[0]);
  if (args.includes('--version') || args.includes('-v')) {
    proc.out(`Redis server v=${version} sha=00000000:0 malloc=jemalloc-3.6.0 bits=64 build=0\n`);
    return 0;
  }
  const store = new RedisStore(version, port);
  const server = createServer((socket) => serveClient(socket, store));
  await proc.container.listen(port, server);
  if (major >= 4) {
    proc.out(`${logPrefix(major, 'C')} * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo\n`);
    proc.out(
      `${logPrefix(major, 'C')} * Redis version=${version}, bits=64, commit=00000000, modified=0, pid=1, just started\n`,
    );
    proc.out(`${logPrefix(major)} * Running mode=standalone, port=${port}.\n`);
    proc.out(`${logPrefix(major)} * Server initialized\n`);
    proc.out(`${logPrefix(major)} * Ready to accept connections tcp\n`);
  } else {
    proc.out(
      `${logPrefix(major)} * Redis ${version} (00000000/0) 64 bit, standalone mode, port ${port}, pid 1\n`,
    );
    proc.out(`${logPrefix(major)} # Server started, Redis version ${version}\n`);
    proc.out(`${logPrefix(major)} * The server is now ready to accept connections on port ${port}\n`);
  }
  await aborted(proc.signal);
  proc.out(`${logPrefix(major)} # User requested shutdown...\n`);
  server.close();
  proc.out(`${logPrefix(major)} # Redis is now ready to exit, bye bye...\n`);
  return 0;
};

/** Formats a reply as redis-cli does when its output is not a terminal. */
function formatReply(value: RespValue): string {
  if (value === null) return '';
  if (value instanceof RespError) return `(error) ${value.message}`;
  if (Array.isArray(value)) return value.map(formatReply).join('\n');
  if (typeof value === 'object') return value.simple;
  return String(value);
}

/** redis-cli: `redis-cli [-h host] [-p port] [command args...]`, or commands read from stdin. */
export const redisCli: Program = async (proc) => {
  const args = proc.argv.slice(1);
  let host = '127.0.0.1';
  let port = 6379;
  while (args.length > 0 && args[0].startsWith('-')) {
    const flag = args.shift()!;
    if (flag === '-h') host = args.shift() ?? host;
    else if (flag === '-p') port = Number(args.shift());
  }
  let socket: Socket;
  try {
    socket = await proc.container.connect(host, port, { timeoutMs: 5000, signal: proc.signal });
  } catch (error) {
    proc.err(
      `Could not connect to Redis at ${host}:${port}: ${(error as { code?: string }).code === 'ECONNREFUSED' ? 'Connection refused' : (error as Error).message}\n`,
    );
    return 1;
  }
  let buffered = Buffer.alloc(0);
  const waiting: ((value: RespValue) => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      const reply = decodeReply(buffered);
      if (!reply) break;
      buffered = buffered.subarray(reply.consumed);
      waiting.shift()?.(reply.value);
    }
  });
  const closed = new Promise<null>((resolve) => socket.once('close', () => resolve(null)));
  const send = async (command: string[]) => {
    const reply = new Promise<RespValue>((resolve) => waiting.push(resolve));
    socket.write(
      `*${command.length}\r\n${command.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`,
    );
    return Promise.race([reply, closed]);
  };
  try {
    const commands: string[][] = [];
    if (args.length > 0) commands.push(args);
    else
      for await (const line of readLines(proc.stdin))
        if (line.trim()) commands.push(line.trim().split(/\s+/));
    for (const command of commands) {
      const reply = await send(command);
      if (reply === null && socket.destroyed) break;
      proc.out(`${formatReply(reply)}\n`);
    }
    return 0;
  } finally {
    socket.destroy();
  }
};

/** The redis image's `docker-entrypoint.sh`: runs `redis-server` (or its arguments) in its place. */
export const redisEntrypoint: Program = async (proc) => {
  let args = proc.argv.slice(1);
  if (args.length === 0 || args[0].startsWith('-') || args[0].endsWith('.conf'))
    args = ['redis-server', ...args];
  const child = proc.child({ argv: args });
  try {
    const program = await findProgram(args[0], child);
    if (!program) {
      proc.err(`/usr/local/bin/docker-entrypoint.sh: exec: line 16: ${args[0]}: not found\n`);
      return 127;
    }
    return await program(child);
  } finally {
    proc.reap(child);
  }
};

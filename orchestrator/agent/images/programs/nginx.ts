import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { posix } from 'node:path';
import { findProgram } from '../shell/commands.js';
import { aborted, type Proc, type Program } from '../shell/process.js';
import {
  buildSite,
  type Directive,
  type Location,
  matchLocation,
  NginxConfigError,
  type NginxSite,
  parseNginxConfig,
  type ServerBlock,
} from './nginx-config.js';

const confDir = '/etc/nginx/conf.d';
const mainConf = '/etc/nginx/nginx.conf';

/** The nginx running in this container, for `nginx -s reload|quit` run through exec. */
let running: { signal(name: string): void } | undefined;

const contentTypes: Record<string, string> = {
  '.html': 'text/html',
  '.htm': 'text/html',
  '.css': 'text/css',
  '.js': 'application/javascript',
  '.json': 'application/json',
  '.txt': 'text/plain',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

const reasons: Record<number, string> = {
  200: 'OK',
  301: 'Moved Permanently',
  302: 'Found',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Not Allowed',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
};

const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

function version(proc: Proc): string {
  return proc.getenv('NGINX_VERSION', '1.27.4');
}

/** `2025/02/14 10:00:00` as nginx's error log prints time. */
function errorLogTime(date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getUTCFullYear()}/${p(date.getUTCMonth() + 1)}/${p(date.getUTCDate())} ${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())}`;
}

/** `14/Feb/2025:10:00:00 +0000` as nginx's access log prints time. */
function accessLogTime(date = new Date()): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`;
}

/** Reads `/etc/nginx/conf.d/*.conf` (in name order) and builds the site. */
function loadSite(proc: Proc): NginxSite {
  const dir = proc.container.fs.resolve(confDir);
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((name) => name.endsWith('.conf'))
      .sort();
  } catch {
    names = [];
  }
  const files: Directive[][] = names.map((name) => {
    const path = `${confDir}/${name}`;
    let text: string;
    try {
      text = readFileSync(proc.container.fs.resolve(path), 'utf8');
    } catch (error) {
      throw new NginxConfigError(
        `open() "${path}" failed (13: ${(error as Error).message}) in ${mainConf}:19`,
      );
    }
    return parseNginxConfig(text, path);
  });
  return buildSite(files);
}

/** Resolves every upstream host once, as nginx does at start; fails like nginx for unknown hosts. */
async function resolveHosts(proc: Proc, site: NginxSite): Promise<Map<string, string>> {
  const resolved = new Map<string, string>();
  const hosts: { host: string; where: string }[] = [];
  for (const upstream of site.upstreams.values()) {
    for (const server of upstream.servers)
      hosts.push({ host: server.host, where: `upstream "${upstream.name}"` });
  }
  for (const server of site.servers) {
    for (const location of server.locations) {
      const pass = location.proxyPass;
      if (pass && !site.upstreams.has(pass.host)) hosts.push({ host: pass.host, where: `${server.file}` });
    }
  }
  for (const { host, where } of hosts) {
    if (resolved.has(host)) continue;
    try {
      const [address] = await proc.container.lookup(host, { signal: proc.signal });
      resolved.set(host, address);
    } catch {
      throw new NginxConfigError(`host not found in upstream "${host}" in ${where}`);
    }
  }
  return resolved;
}

function errorPage(status: number, nginxVersion: string): string {
  const title = `${status} ${reasons[status] ?? ''}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx/${nginxVersion}</center>\r\n</body>\r\n</html>\r\n`;
}

class NginxServer {
  private site: NginxSite;
  private resolved: Map<string, string>;
  private readonly servers = new Map<number, Server>();
  private roundRobin = 0;
  private requests = 0;

  constructor(
    private readonly proc: Proc,
    site: NginxSite,
    resolved: Map<string, string>,
  ) {
    this.site = site;
    this.resolved = resolved;
  }

  private notice(level: string, text: string): void {
    this.proc.err(`${errorLogTime()} [${level}] 1#1: ${text}\n`);
  }

  async start(): Promise<void> {
    const ports = new Set(this.site.servers.flatMap((s) => s.ports));
    for (const port of ports) {
      const server = createServer((req, res) => void this.handle(port, req, res));
      await this.proc.container.listen(port, server);
      this.servers.set(port, server);
    }
    this.notice('notice', 'using the "epoll" event method');
    this.notice('notice', `nginx/${version(this.proc)}`);
    this.notice('notice', 'built by gcc 12.2.0 (Debian 12.2.0-14)');
    this.notice('notice', 'start worker processes');
  }

  async reload(): Promise<void> {
    this.notice('notice', 'signal 1 (SIGHUP) received from 1, reconfiguring');
    try {
      const site = loadSite(this.proc);
      const resolved = await resolveHosts(this.proc, site);
      this.site = site;
      this.resolved = resolved;
      this.notice('notice', 'reconfiguring');
    } catch (error) {
      this.notice('emerg', (error as Error).message);
    }
  }

  stop(): void {
    for (const server of this.servers.values()) {
      server.close();
      server.closeAllConnections();
    }
  }

  private pickServer(port: number, host: string | undefined): ServerBlock | undefined {
    const candidates = this.site.servers.filter((s) => s.ports.includes(port));
    const name = (host ?? '').replace(/:\d+$/, '').toLowerCase();
    const byName = candidates.find((s) =>
      s.names.some(
        (n) =>
          n === name ||
          (n.startsWith('*.') && name.endsWith(n.slice(1))) ||
          (n.startsWith('.') && (name === n.slice(1) || name.endsWith(n))),
      ),
    );
    return byName ?? candidates.find((s) => s.defaultServer) ?? candidates[0];
  }

  private log(req: IncomingMessage, status: number, bytes: number): void {
    const remote = (req.socket.remoteAddress ?? '-').replace(/^::ffff:/, '');
    const referer = req.headers.referer ?? '-';
    const agent = req.headers['user-agent'] ?? '-';
    const forwarded = req.headers['x-forwarded-for'] ?? '-';
    this.proc.out(
      `${remote} - - [${accessLogTime()}] "${req.method} ${req.url} HTTP/${req.httpVersion}" ${status} ${bytes} "${referer}" "${agent}" "${forwarded}"\n`,
    );
  }

  private send(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    body: string | Buffer,
    type = 'text/html',
    extra: Record<string, string> = {},
  ): void {
    const data = typeof body === 'string' ? Buffer.from(body) : body;
    res.writeHead(status, reasons[status] ?? '', {
      Server: `nginx/${version(this.proc)}`,
      'Content-Type': type,
      'Content-Length': String(data.length),
      ...extra,
    });
    res.end(req.method === 'HEAD' ? undefined : data);
    this.log(req, status, data.length);
  }

  private sendError(req: IncomingMessage, res: ServerResponse, status: number): void {
    this.send(req, res, status, errorPage(status, version(this.proc)));
  }

  private async handle(port: number, req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++;
    const server = this.pickServer(port, req.headers.host);
    if (!server) return this.sendError(req, res, 404);
    let path: string;
    try {
      path = decodeURIComponent((req.url ?? '/').split('?')[0]);
    } catch {
      return this.sendError(req, res, 400);
    }
    if (!path.startsWith('/')) return this.sendError(req, res, 400);
    if (server.ret) return this.respondReturn(req, res, server.ret);
    const location = matchLocation(server, path);
    if (location?.ret) return this.respondReturn(req, res, location.ret);
    if (location?.proxyPass) return this.proxy(req, res, location, path);
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.sendError(req, res, 405);
    this.serveFile(req, res, location?.root ?? server.root, location?.index ?? server.index, path);
  }

  private respondReturn(req: IncomingMessage, res: ServerResponse, ret: { code: number; text?: string }) {
    if (ret.code >= 300 && ret.code < 400 && ret.text) {
      return this.send(req, res, ret.code, errorPage(ret.code, version(this.proc)), 'text/html', {
        Location: ret.text,
      });
    }
    if (ret.text !== undefined) return this.send(req, res, ret.code, ret.text, 'application/octet-stream');
    this.sendError(req, res, ret.code);
  }

  private serveFile(req: IncomingMessage, res: ServerResponse, root: string, index: string[], path: string) {
    const fs = this.proc.container.fs;
    const normalized = posix.normalize(path);
    let target = fs.resolve(posix.join(root, normalized));
    try {
      if (statSync(target).isDirectory()) {
        if (!path.endsWith('/')) {
          return this.send(req, res, 301, errorPage(301, version(this.proc)), 'text/html', {
            Location: `${path}/`,
          });
        }
        const found = index
          .map((name) => posix.join(target, name))
          .find((candidate) => {
            try {
              return statSync(candidate).isFile();
            } catch {
              return false;
            }
          });
        if (!found) return this.sendError(req, res, 403);
        target = found;
      }
      const body = readFileSync(target);
      const type = contentTypes[posix.extname(target).toLowerCase()] ?? 'application/octet-stream';
      this.send(req, res, 200, body, type, {
        'Last-Modified': statSync(target).mtime.toUTCString(),
        'Accept-Ranges': 'bytes',
      });
    } catch {
      this.proc.err(
        `${errorLogTime()} [error] 29#29: *${this.requests} open() "${posix.join(root, normalized)}" failed (2: No such file or directory), client: ${req.socket.remoteAddress ?? '-'}, request: "${req.method} ${req.url} HTTP/${req.httpVersion}"\n`,
      );
      this.sendError(req, res, 404);
    }
  }

  private async proxy(
    req: IncomingMessage,
    res: ServerResponse,
    location: Location,
    path: string,
  ): Promise<void> {
    const pass = location.proxyPass!;
    const upstream = this.site.upstreams.get(pass.host);
    const target = upstream
      ? upstream.servers[this.roundRobin++ % upstream.servers.length]
      : { host: pass.host, port: pass.port };
    const address = this.resolved.get(target.host) ?? target.host;
    const proxyHost = upstream || pass.port === 80 ? pass.host : `${pass.host}:${pass.port}`;
    const query = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?')) : '';
    const upstreamPath =
      pass.uri !== undefined ? `${pass.uri}${path.slice(location.path.length)}${query}` : (req.url ?? '/');
    const remote = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const headers: Record<string, string | string[]> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined && !hopByHop.has(key) && key !== 'host') headers[key] = value;
    }
    headers.host = proxyHost;
    headers.connection = 'close';
    const variables: Record<string, string> = {
      $host: (req.headers.host ?? '').replace(/:\d+$/, ''),
      $http_host: req.headers.host ?? '',
      $remote_addr: remote,
      $proxy_add_x_forwarded_for: req.headers['x-forwarded-for']
        ? `${req.headers['x-forwarded-for']}, ${remote}`
        : remote,
      $scheme: 'http',
      $request_uri: req.url ?? '/',
      $proxy_host: proxyHost,
    };
    for (const [name, value] of location.proxyHeaders) {
      const expanded = value.replace(/\$[a-z_]+/g, (v) => variables[v] ?? '');
      if (expanded === '') delete headers[name.toLowerCase()];
      else headers[name.toLowerCase()] = expanded;
    }
    const upstreamUrl = `http://${address}:${target.port}${upstreamPath}`;
    const fail = (status: number, reason: string) => {
      this.proc.err(
        `${errorLogTime()} [error] 29#29: *${this.requests} ${reason} while connecting to upstream, client: ${remote}, server: , request: "${req.method} ${req.url} HTTP/${req.httpVersion}", upstream: "${upstreamUrl}", host: "${req.headers.host ?? ''}"\n`,
      );
      if (!res.headersSent) this.sendError(req, res, status);
      else res.destroy();
    };
    let socket: Awaited<ReturnType<Proc['container']['connect']>>;
    try {
      socket = await this.proc.container.connect(address, target.port, { timeoutMs: 60_000 });
    } catch (error) {
      const code = (error as { code?: string }).code;
      return fail(
        code === 'ETIMEDOUT' ? 504 : 502,
        code === 'ETIMEDOUT'
          ? 'upstream timed out (110: Connection timed out)'
          : 'connect() failed (111: Connection refused)',
      );
    }
    const upstreamReq = request(
      { method: req.method, path: upstreamPath, headers, createConnection: () => socket },
      (upstreamRes) => {
        const responseHeaders: Record<string, string | string[]> = {};
        for (const [key, value] of Object.entries(upstreamRes.headers)) {
          if (value !== undefined && !hopByHop.has(key) && key !== 'server' && key !== 'date')
            responseHeaders[key] = value;
        }
        responseHeaders.server = `nginx/${version(this.proc)}`;
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, responseHeaders);
        let bytes = 0;
        upstreamRes.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
        });
        upstreamRes.on('end', () => this.log(req, upstreamRes.statusCode ?? 502, bytes));
        upstreamRes.pipe(res);
      },
    );
    upstreamReq.on('error', () => fail(502, 'upstream prematurely closed connection'));
    req.pipe(upstreamReq);
  }
}

/** nginx: `-v`, `-t`, `-s reload|quit|stop`, `-g 'daemon off;'`; serves the conf.d sites until stopped. */
export const nginx: Program = async (proc) => {
  const args = proc.argv.slice(1);
  const v = version(proc);
  if (args.includes('-v') || args.includes('-V')) {
    proc.err(`nginx version: nginx/${v}\n`);
    return 0;
  }
  const signalAt = args.indexOf('-s');
  if (signalAt >= 0) {
    const name = args[signalAt + 1];
    if (!['stop', 'quit', 'reopen', 'reload'].includes(name)) {
      proc.err(`nginx: invalid option: "-s ${name ?? ''}"\n`);
      return 1;
    }
    if (!running) {
      proc.err(`nginx: [error] invalid PID number "" in "/run/nginx.pid"\n`);
      return 1;
    }
    running.signal(name);
    return 0;
  }
  const test = args.includes('-t') || args.includes('-T');
  let site: NginxSite;
  let resolved: Map<string, string>;
  try {
    site = loadSite(proc);
    resolved = await resolveHosts(proc, site);
  } catch (error) {
    if (!(error instanceof NginxConfigError)) throw error;
    proc.err(`${test ? 'nginx: ' : `${errorLogTime()} `}[emerg] ${test ? '' : '1#1: '}${error.message}\n`);
    if (test) proc.err(`nginx: configuration file ${mainConf} test failed\n`);
    return 1;
  }
  if (test) {
    proc.err(
      `nginx: the configuration file ${mainConf} syntax is ok\nnginx: configuration file ${mainConf} test is successful\n`,
    );
    return 0;
  }
  const server = new NginxServer(proc, site, resolved);
  try {
    await server.start();
  } catch (error) {
    proc.err(`${errorLogTime()} [emerg] 1#1: bind() failed (${(error as Error).message})\n`);
    server.stop();
    return 1;
  }
  const stopSignals = proc.onSignal((signal) => {
    if (signal === 'SIGHUP') {
      void server.reload();
      return true;
    }
    return false;
  });
  running = {
    signal(name) {
      if (name === 'reload') void server.reload();
      else if (name === 'quit') proc.kill('SIGQUIT');
      else if (name === 'stop') proc.kill('SIGTERM');
    },
  };
  try {
    await aborted(proc.signal);
    const signal = String(proc.signal.reason);
    const number = signal === 'SIGQUIT' ? 3 : signal === 'SIGINT' ? 2 : 15;
    proc.err(
      `${errorLogTime()} [notice] 1#1: signal ${number} (${signal}) received, ${signal === 'SIGQUIT' ? 'shutting down' : 'exiting'}\n`,
    );
    server.stop();
    proc.err(`${errorLogTime()} [notice] 1#1: exit\n`);
    return 0;
  } finally {
    stopSignals();
    running = undefined;
  }
};

/** The nginx image's `/docker-entrypoint.sh`: announces itself, then runs its arguments in its place. */
export const nginxEntrypoint: Program = async (proc) => {
  const args = proc.argv.slice(1);
  if ((args[0] === 'nginx' || args[0] === 'nginx-debug') && !proc.getenv('NGINX_ENTRYPOINT_QUIET_LOGS')) {
    proc.out('/docker-entrypoint.sh: No files found in /docker-entrypoint.d/, skipping configuration\n');
  }
  if (args.length === 0) return 0;
  const child = proc.child({ argv: args });
  try {
    const program = await findProgram(args[0], child);
    if (!program) {
      proc.err(`/docker-entrypoint.sh: exec: line 47: ${args[0]}: not found\n`);
      return 127;
    }
    return await program(child);
  } finally {
    proc.reap(child);
  }
};

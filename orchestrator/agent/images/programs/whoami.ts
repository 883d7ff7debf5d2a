import { createServer, type IncomingMessage } from 'node:http';
import type { Program } from '../shell/process.js';
import { serveUntilSignal } from './http-util.js';

/** Go's canonical header key: `x-forwarded-for` -> `X-Forwarded-For`. */
const canonical = (key: string) =>
  key.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());

/** The request as Go's `Request.Write` prints it: request line, Host, User-Agent, other headers sorted. */
function dumpRequest(req: IncomingMessage): string {
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`, `Host: ${req.headers.host ?? ''}`];
  if (req.headers['user-agent']) lines.push(`User-Agent: ${req.headers['user-agent']}`);
  const others = new Map<string, string[]>();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const key = canonical(req.rawHeaders[i].toLowerCase());
    if (key === 'Host' || key === 'User-Agent') continue;
    others.set(key, [...(others.get(key) ?? []), req.rawHeaders[i + 1]]);
  }
  for (const key of [...others.keys()].sort())
    for (const value of others.get(key)!) lines.push(`${key}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** traefik/whoami: `Hostname:`, `IP:` lines, `RemoteAddr:`, then the request. */
export const whoami: Program = async (proc) => {
  const args = proc.argv.slice(1);
  const portFlag = args.indexOf('--port');
  const port = portFlag >= 0 ? Number(args[portFlag + 1]) : Number(proc.getenv('WHOAMI_PORT_NUMBER', '80'));
  const name = proc.getenv('WHOAMI_NAME');
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health') {
      res.writeHead(200);
      res.end();
      return;
    }
    const ips = ['127.0.0.1', ...proc.container.addresses];
    const remote = `${req.socket.remoteAddress ?? ''}:${req.socket.remotePort ?? ''}`;
    if (path === '/api') {
      const body = JSON.stringify({
        hostname: proc.container.hostname,
        ip: ips,
        headers: req.headers,
        url: req.url,
        host: req.headers.host,
        method: req.method,
        name,
      });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(body);
      return;
    }
    let body = name ? `Name: ${name}\n` : '';
    body += `Hostname: ${proc.container.hostname}\n`;
    for (const ip of ips) body += `IP: ${ip}\n`;
    body += `RemoteAddr: ${remote}\n`;
    body += dumpRequest(req);
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(body);
  });
  await proc.container.listen(Number.isInteger(port) && port > 0 ? port : 80, server);
  proc.out(
    `${new Date().toISOString().replace('T', ' ').slice(0, 19).replace(/-/g, '/')} Starting up on port ${port}\n`,
  );
  return serveUntilSignal(proc, server);
};

import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { isIP } from 'node:net';
import { posix } from 'node:path';
import { ContainerNetError, isLabAddress } from '../../runtime/context.js';
import { type Proc, type Program, signalExitCode, sleep } from '../process.js';

function netReason(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'ECONNREFUSED') return 'Connection refused';
  if (code === 'ETIMEDOUT') return 'Connection timed out';
  if (code === 'EHOSTUNREACH') return 'No route to host';
  if (code === 'ENETUNREACH') return 'Network is unreachable';
  return error instanceof Error ? error.message : String(error);
}

/** `localhost:8080/health`, `http://web/`, `http://[::1]:80/x` -> parts; undefined when not http. */
function parseUrl(text: string): URL | undefined {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  try {
    const url = new URL(withScheme);
    return url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

interface Fetched {
  status: number;
  statusText: string;
  httpVersion: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

async function fetchOnce(proc: Proc, url: URL, timeoutMs: number): Promise<Fetched> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 80);
  const socket = await proc.container.connect(host, port, { timeoutMs, signal: proc.signal });
  return new Promise<Fetched>((resolve, reject) => {
    const req = request(
      {
        host,
        port,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: { Host: url.host, 'User-Agent': 'Wget', Connection: 'close' },
        createConnection: () => socket,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            httpVersion: res.httpVersion,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    const timer = setTimeout(
      () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
      timeoutMs,
    );
    req.on('close', () => clearTimeout(timer));
    req.on('error', reject);
    proc.signal.addEventListener('abort', () => req.destroy(), { once: true });
    req.end();
  });
}

/** busybox wget: `wget [-q] [-O FILE|-] [-T SEC] [-S] [--spider] URL`. */
export const wget: Program = async (proc) => {
  const args = proc.argv.slice(1);
  let quiet = false;
  let output: string | undefined;
  let timeoutMs = 900_000;
  let spider = false;
  let showHeaders = false;
  const urls: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--spider') spider = true;
    else if (arg === '-O' || arg === '--output-document') output = args[++i];
    else if (arg === '-T' || arg === '--timeout') timeoutMs = Number(args[++i]) * 1000;
    else if (arg.startsWith('--')) continue;
    else if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const flag = arg[j];
        if (flag === 'q') quiet = true;
        else if (flag === 'S') showHeaders = true;
        else if (flag === 'O' || flag === 'T') {
          const value = arg.slice(j + 1) || args[++i];
          if (flag === 'O') output = value;
          else timeoutMs = Number(value) * 1000;
          break;
        }
      }
    } else urls.push(arg);
  }
  if (urls.length === 0) {
    proc.err(
      'BusyBox v1.37.0 multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[-P DIR] [-U AGENT] [-T SEC] URL...\n',
    );
    return 1;
  }
  let url = parseUrl(urls[0]);
  if (!url) {
    proc.err(`wget: not an http or ftp url: ${urls[0]}\n`);
    return 1;
  }
  for (let redirects = 0; ; redirects++) {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    let addresses: string[];
    try {
      addresses = await proc.container.lookup(host, { signal: proc.signal });
    } catch (error) {
      if (proc.signal.aborted) return signalExitCode(String(proc.signal.reason));
      proc.err(`wget: bad address '${host}'\n`);
      void error;
      return 1;
    }
    const port = url.port || '80';
    if (!quiet) proc.err(`Connecting to ${url.host} (${addresses[0]}:${port})\n`);
    let fetched: Fetched;
    try {
      fetched = await fetchOnce(proc, url, timeoutMs);
    } catch (error) {
      if (proc.signal.aborted) return signalExitCode(String(proc.signal.reason));
      const code = (error as ContainerNetError).code;
      if (code === 'ETIMEDOUT' && !(error instanceof ContainerNetError))
        proc.err('wget: download timed out\n');
      else proc.err(`wget: can't connect to remote host (${addresses[0]}): ${netReason(error)}\n`);
      return 1;
    }
    if (showHeaders) {
      proc.err(`  HTTP/${fetched.httpVersion} ${fetched.status} ${fetched.statusText}\n`);
      for (const [key, value] of Object.entries(fetched.headers)) proc.err(`  ${key}: ${value}\n`);
    }
    const location = fetched.headers.location;
    if (fetched.status >= 300 && fetched.status < 400 && typeof location === 'string' && redirects < 20) {
      const next = parseUrl(new URL(location, url).toString());
      if (!next) {
        proc.err(`wget: not an http or ftp url: ${location}\n`);
        return 1;
      }
      url = next;
      continue;
    }
    if (fetched.status >= 400) {
      proc.err(
        `wget: server returned error: HTTP/${fetched.httpVersion} ${fetched.status} ${fetched.statusText}\n`,
      );
      return 1;
    }
    if (spider) {
      if (!quiet) proc.err('remote file exists\n');
      return 0;
    }
    const name = output ?? (posix.basename(url.pathname) || 'index.html');
    if (name === '-') {
      if (!quiet) proc.err('writing to stdout\n');
      proc.out(fetched.body);
      if (!quiet) proc.err('written to stdout\n');
      return 0;
    }
    if (!quiet) proc.err(`saving to '${name}'\n`);
    try {
      writeFileSync(proc.container.fs.resolve(posix.resolve(proc.cwd, name)), fetched.body);
    } catch (error) {
      proc.err(`wget: can't open '${name}': ${(error as Error).message}\n`);
      return 1;
    }
    if (!quiet) {
      proc.err(
        `${name.padEnd(20).slice(0, 20)} 100% |********************************| ${String(fetched.body.length).padStart(5)}  0:00:00 ETA\n`,
      );
      proc.err(`'${name}' saved\n`);
    }
    return 0;
  }
};

/** busybox nslookup against the node's DNS server. */
export const nslookup: Program = async (proc) => {
  const name = proc.argv.slice(1).find((arg) => !arg.startsWith('-'));
  if (!name) {
    proc.err(
      'BusyBox v1.37.0 multi-call binary.\n\nUsage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n',
    );
    return 1;
  }
  const server = proc.container.dnsServer;
  if (!server) {
    proc.out(';; connection timed out; no servers could be reached\n\n');
    return 1;
  }
  const serverHost = server.replace(/:\d+$/, '');
  proc.out(`Server:\t\t${serverHost}\nAddress:\t${server}\n\n`);
  if (isIP(name)) {
    proc.out(`** server can't find ${name.split('.').reverse().join('.')}.in-addr.arpa: NXDOMAIN\n\n`);
    return 1;
  }
  try {
    const addresses = await proc.container.lookup(name, { signal: proc.signal });
    proc.out('Non-authoritative answer:\n');
    for (const address of addresses) proc.out(`Name:\t${name}\nAddress: ${address}\n`);
    proc.out('\n');
    return 0;
  } catch (error) {
    if (proc.signal.aborted) return signalExitCode(String(proc.signal.reason));
    const code = (error as ContainerNetError).code;
    if (code === 'ETIMEDOUT') proc.out(';; connection timed out; no servers could be reached\n\n');
    else proc.out(`** server can't find ${name}: ${code === 'ESERVFAIL' ? 'SERVFAIL' : 'NXDOMAIN'}\n\n`);
    return 1;
  }
};

/**
 * busybox ping. There is no ICMP between lab containers (overlay addresses are virtual), so each echo is a
 * real round trip of another kind: a TCP connect to port 7 of the address, through the node's mesh gateway
 * (or directly in a gateway-less setup). An answer of any kind — accepted or refused — proves the address is
 * reachable and times the round trip; silence or "no route" counts as a lost packet. Names outside the lab
 * (it has no internet) get one clear line per second instead of a made-up reply, and the task keeps running.
 */
export const ping: Program = async (proc) => {
  const args = proc.argv.slice(1);
  let count = Number.POSITIVE_INFINITY;
  let intervalMs = 1000;
  let quiet = false;
  let timeoutMs = 10_000;
  let host: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '-c') count = Number(args[++i]);
    else if (arg === '-i') intervalMs = Number(args[++i]) * 1000;
    else if (arg === '-W') timeoutMs = Number(args[++i]) * 1000;
    else if (arg === '-q') quiet = true;
    else if (/^-c\d+$/.test(arg)) count = Number(arg.slice(2));
    else if (arg.startsWith('-')) continue;
    else host = arg;
  }
  if (!host) {
    proc.err('BusyBox v1.37.0 multi-call binary.\n\nUsage: ping [OPTIONS] HOST\n');
    return 1;
  }
  if (!Number.isFinite(intervalMs) || intervalMs < 200) intervalMs = 1000;

  let interrupted = false;
  const stopInterrupt = proc.onSignal((signal) => {
    if (signal !== 'SIGINT') return false;
    interrupted = true;
    return true;
  });
  try {
    let address: string | undefined;
    try {
      [address] = await proc.container.lookup(host, { signal: proc.signal });
    } catch (error) {
      if (proc.signal.aborted) return signalExitCode(String(proc.signal.reason));
      if (!host.includes('.')) {
        proc.err(`ping: bad address '${host}'\n`);
        return 1;
      }
      void error;
    }
    if (address === undefined || !isLabAddress(address)) {
      let sent = 0;
      while (sent < count && !interrupted) {
        proc.err(`ping: ${host}: no route from this lab to the internet\n`);
        sent++;
        if (sent < count && !(await sleep(intervalMs, proc.signal))) break;
      }
      if (proc.signal.aborted) return signalExitCode(String(proc.signal.reason));
      proc.out(
        `\n--- ${host} ping statistics ---\n${sent} packets transmitted, 0 packets received, 100% packet loss\n`,
      );
      return 1;
    }

    proc.out(`PING ${host} (${address}): 56 data bytes\n`);
    const times: number[] = [];
    let sent = 0;
    while (sent < count && !interrupted && !proc.signal.aborted) {
      const seq = sent++;
      const started = process.hrtime.bigint();
      const reply = await echo(proc, address, timeoutMs);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (proc.signal.aborted) break;
      if (reply) {
        times.push(ms);
        if (!quiet) proc.out(`64 bytes from ${address}: seq=${seq} ttl=64 time=${ms.toFixed(3)} ms\n`);
      }
      if (sent < count && !interrupted) await sleep(Math.max(0, intervalMs - ms), proc.signal);
    }
    if (proc.signal.aborted) return signalExitCode(String(proc.signal.reason));
    const loss = sent === 0 ? 0 : Math.round(((sent - times.length) / sent) * 100);
    proc.out(
      `\n--- ${host} ping statistics ---\n${sent} packets transmitted, ${times.length} packets received, ${loss}% packet loss\n`,
    );
    if (times.length > 0) {
      const avg = times.reduce((a, b) => a + b, 0) / times.length;
      proc.out(
        `round-trip min/avg/max = ${Math.min(...times).toFixed(3)}/${avg.toFixed(3)}/${Math.max(...times).toFixed(3)} ms\n`,
      );
    }
    return times.length > 0 ? 0 : 1;
  } finally {
    stopInterrupt();
  }
};

/** One echo: true when the address answered (connection accepted or refused) within the timeout. */
async function echo(proc: Proc, address: string, timeoutMs: number): Promise<boolean> {
  try {
    const socket = await proc.container.connect(address, 7, { timeoutMs, signal: proc.signal });
    socket.destroy();
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'ECONNREFUSED';
  }
}

// The task of the benchmark, in its own process: an HTTP server like the talk's demo app, answering
// "The hostname is <container id>!". Prints {"port": N} once listening; exits when its stdin closes.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const host = process.argv[2] ?? '127.0.0.1';
const hostname = randomBytes(6).toString('hex');
const server = createServer((_req, res) => {
  res.end(`The hostname is ${hostname}!`);
});
server.keepAliveTimeout = 60_000;
server.listen(0, host, () => {
  console.log(JSON.stringify({ port: (server.address() as { port: number }).port }));
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { badRequest } from './errors.js';
import { Reply, Router, streamed } from './router.js';
import { createApiServer, listenApi, maxBodyBytes } from './server.js';

const dir = mkdtempSync(join(tmpdir(), 'swarmlab-api-'));
const socketPath = join(dir, 'docker.sock');
const router = new Router()
  .get('/_ping', () => new Reply(200, 'OK', { 'Content-Type': 'text/plain; charset=utf-8' }))
  .get('/things/{id}', (req) => ({ ID: req.params.id, _secret: 'never', version: req.apiVersion }))
  .post('/things/create', async (req) => {
    const body = (await req.json()) as { Name?: unknown };
    if (typeof body?.Name !== 'string') throw badRequest('Name must be a string');
    return new Reply(201, { ID: 'new' });
  })
  .post('/exec/{id}/start', (req) => {
    if (!req.hijack) return 'not upgraded';
    const socket = req.hijack();
    socket.end('hello from a hijacked stream');
    return streamed;
  });
const server = createApiServer({ router, headers: () => ({ 'Api-Version': '1.47' }) });

before(async () => {
  await listenApi(server, `unix://${socketPath}`);
});
after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

function call(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>(
    (resolve, reject) => {
      const req = request({ socketPath, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            headers: res.headers,
          }),
        );
      });
      req.on('error', reject);
      req.end(body);
    },
  );
}

test('paths answer with and without a version prefix, and internal fields never leave', async () => {
  for (const path of ['/things/a', '/v1.47/things/a', '/v1.24/things/a']) {
    const res = await call('GET', path);
    assert.equal(res.status, 200);
    assert.equal(res.headers['api-version'], '1.47');
    const body = JSON.parse(res.body);
    assert.equal(body.ID, 'a');
    assert.equal(body._secret, undefined);
  }
  assert.equal(JSON.parse((await call('GET', '/v1.30/things/a')).body).version, '1.30');
});

test("versions outside 1.24..1.47 get Docker's messages", async () => {
  const tooNew = await call('GET', '/v1.99/things/a');
  assert.equal(tooNew.status, 400);
  assert.match(
    JSON.parse(tooNew.body).message,
    /client version 1.99 is too new. Maximum supported API version is 1.47/,
  );
  const tooOld = await call('GET', '/v1.12/things/a');
  assert.equal(tooOld.status, 400);
  assert.match(JSON.parse(tooOld.body).message, /too old. Minimum supported API version is 1.24/);
});

test('unknown paths are 404 "page not found" and wrong methods 405', async () => {
  const missing = await call('GET', '/nope');
  assert.equal(missing.status, 404);
  assert.deepEqual(JSON.parse(missing.body), { message: 'page not found' });
  const wrong = await call('DELETE', '/things/a');
  assert.equal(wrong.status, 405);
  assert.match(JSON.parse(wrong.body).message, /not allowed/);
});

test('malformed JSON, wrong types, wrong content types and huge bodies get a 400/413 with a message', async () => {
  const malformed = await call('POST', '/things/create', '{"Name": ', { 'Content-Type': 'application/json' });
  assert.equal(malformed.status, 400);
  assert.match(JSON.parse(malformed.body).message, /invalid JSON in the request body/);
  const wrongType = await call('POST', '/things/create', '{"Name": 3}', {
    'Content-Type': 'application/json',
  });
  assert.equal(wrongType.status, 400);
  assert.equal(JSON.parse(wrongType.body).message, 'Name must be a string');
  const text = await call('POST', '/things/create', 'Name=x', { 'Content-Type': 'text/plain' });
  assert.equal(text.status, 400);
  assert.match(JSON.parse(text.body).message, /unsupported Content-Type header \(text\/plain\)/);
  const ok = await call('POST', '/things/create', '{"Name":"x"}', { 'Content-Type': 'application/json' });
  assert.equal(ok.status, 201);
});

test('an upgraded request is hijacked into a raw stream', async () => {
  const socket = connect(socketPath);
  socket.write(
    'POST /v1.47/exec/abc/start HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
  );
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString();
  assert.match(text, /^HTTP\/1.1 101 UPGRADED\r\n/);
  assert.match(text, /\r\n\r\nhello from a hijacked stream$/);
});

test('a body over the limit gets its 413 answer while still being sent, declared or chunked', async () => {
  const huge = Buffer.alloc(5 * maxBodyBytes, 32);
  const declared = await call('POST', '/things/create', huge, { 'Content-Type': 'application/json' });
  assert.equal(declared.status, 413);
  assert.match(
    JSON.parse(declared.body).message,
    /request body is larger than \d+ bytes: send a smaller request/,
  );
  const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ socketPath, method: 'POST', path: '/things/create' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    for (let i = 0; i < 20; i++) req.write(huge.subarray(0, maxBodyBytes / 4));
    req.end();
  });
  assert.equal(chunked.status, 413);
  assert.equal((await call('GET', '/_ping')).status, 200, 'the server still answers');
});

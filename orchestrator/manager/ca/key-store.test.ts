import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeFileAtomic } from '../../common/atomic-file.js';
import { KeyStore, NODE_CERT_FILE, NODE_KEY_FILE, ROOT_CA_CERT_FILE } from './key-store.js';
import type { RootCA } from './root-ca.js';
import { createTestCluster, issueTestNode, type TestNode } from './testing.js';
import {
  createUnlockKey,
  INVALID_UNLOCK_KEY_MESSAGE,
  InvalidUnlockKeyError,
  LockedError,
  parseUnlockKey,
  SWARM_LOCKED_MESSAGE,
} from './unlock-key.js';

let base: string;
let rootCA: RootCA;
let manager: TestNode;
let counter = 0;
const newStore = () => new KeyStore(join(base, `node-${counter++}`, 'certificates'));

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'swarmlab-keystore-'));
  ({ rootCA, manager } = await createTestCluster());
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

test('credentials round-trip unencrypted, with SwarmKit file names and modes', async () => {
  const store = newStore();
  assert.equal(await store.loadNodeCredentials(), undefined);
  assert.equal(await store.loadRootCA(), undefined);
  await store.saveRootCA(rootCA.certPem);
  await store.saveNodeCredentials(manager, { extras: { 'raft-dek': 'abc' } });
  assert.deepEqual(
    (await readdir(store.dir)).sort(),
    [NODE_CERT_FILE, NODE_KEY_FILE, ROOT_CA_CERT_FILE].sort(),
  );
  assert.equal((await stat(store.keyPath)).mode & 0o777, 0o600);
  assert.equal((await stat(store.certPath)).mode & 0o777, 0o644);
  assert.equal(await store.loadRootCA(), rootCA.certPem);
  const loaded = await store.loadNodeCredentials();
  assert.equal(loaded?.certPem, manager.certPem);
  assert.equal(loaded?.keyPem, manager.keyPem, 'the key comes back without the extras headers');
  assert.deepEqual(loaded?.extras, { 'raft-dek': 'abc' });
  assert.equal(loaded?.encrypted, false);
  assert.equal(await store.isKeyEncrypted(), false);
});

test('an encrypted key needs the unlock key: none -> locked, wrong -> invalid key, right -> works', async () => {
  const store = newStore();
  const { kek, unlockKey } = createUnlockKey();
  await store.saveNodeCredentials(manager, { kek, extras: { 'raft-dek': 'sealed-dek' } });
  assert.equal(await store.isKeyEncrypted(), true);
  const onDisk = await readFile(store.keyPath, 'utf8');
  assert.ok(!onDisk.includes('sealed-dek') && !onDisk.includes(manager.keyPem.split('\n')[1]!));

  await assert.rejects(store.loadNodeCredentials(), (error: unknown) => {
    return error instanceof LockedError && error.message === SWARM_LOCKED_MESSAGE;
  });
  await assert.rejects(store.loadNodeCredentials(createUnlockKey().kek), (error: unknown) => {
    return error instanceof InvalidUnlockKeyError && error.message === INVALID_UNLOCK_KEY_MESSAGE;
  });
  await assert.rejects(store.loadNodeCredentials(Buffer.alloc(5)), InvalidUnlockKeyError);

  const loaded = await store.loadNodeCredentials(parseUnlockKey(unlockKey));
  assert.equal(loaded?.keyPem, manager.keyPem);
  assert.equal(loaded?.certPem, manager.certPem);
  assert.deepEqual(loaded?.extras, { 'raft-dek': 'sealed-dek' });
  assert.equal(loaded?.encrypted, true);
});

test('autolock on, key rotation and autolock off re-encrypt the key in place', async () => {
  const store = newStore();
  await store.saveNodeCredentials(manager, { extras: { a: '1' } });
  const first = createUnlockKey().kek;
  await store.reencryptKey(undefined, first);
  await assert.rejects(store.loadNodeCredentials(), LockedError);
  const second = createUnlockKey().kek;
  await assert.rejects(store.reencryptKey(second, second), InvalidUnlockKeyError);
  await store.reencryptKey(first, second, { a: '2' });
  await assert.rejects(store.loadNodeCredentials(first), InvalidUnlockKeyError);
  assert.deepEqual((await store.loadNodeCredentials(second))?.extras, { a: '2' });
  await store.reencryptKey(second, undefined);
  const plain = await store.loadNodeCredentials();
  assert.equal(plain?.keyPem, manager.keyPem);
  assert.equal(plain?.encrypted, false);
  assert.equal((await stat(store.keyPath)).mode & 0o777, 0o600);
});

test('a renewal keeps a matching certificate and key on disk even if interrupted', async () => {
  const store = newStore();
  await store.saveNodeCredentials(manager);
  const renewed = await issueTestNode(rootCA, manager.nodeId, 'manager');
  await store.saveNodeCredentials(renewed);
  assert.equal((await store.loadNodeCredentials())?.certPem, renewed.certPem);

  // A crash after the key was replaced but before the new certificate was moved in place.
  const next = await issueTestNode(rootCA, manager.nodeId, 'manager');
  await store.saveNodeCredentials(next);
  await rename(store.certPath, join(store.dir, `.${NODE_CERT_FILE}`));
  await writeFile(store.certPath, renewed.certPem);
  const recovered = await store.loadNodeCredentials();
  assert.equal(recovered?.certPem, next.certPem);
  assert.equal(recovered?.keyPem, next.keyPem);
  assert.equal(await readFile(store.certPath, 'utf8'), next.certPem);
  assert.deepEqual((await readdir(store.dir)).sort(), [NODE_CERT_FILE, NODE_KEY_FILE].sort());

  await assert.rejects(
    store.saveNodeCredentials({ certPem: next.certPem, keyPem: renewed.keyPem }),
    /does not match/,
  );
});

test('remove deletes everything; corrupt files give clear errors', async () => {
  const store = newStore();
  await store.saveRootCA(rootCA.certPem);
  await store.saveNodeCredentials(manager);
  await store.remove();
  assert.deepEqual(await readdir(store.dir), []);
  await writeFile(store.keyPath, 'junk');
  await assert.rejects(store.loadNodeCredentials(), /does not hold a PEM private key/);
  await assert.rejects(store.saveRootCA('junk'), /not a PEM-encoded certificate/);
});

test('writeFileAtomic replaces content with the given mode and leaves no temp file', async () => {
  const dir = await mkdtemp(join(base, 'atomic-'));
  const path = join(dir, 'file');
  await writeFileAtomic(path, 'one', 0o600);
  await writeFileAtomic(path, 'two', 0o640);
  assert.equal(await readFile(path, 'utf8'), 'two');
  assert.equal((await stat(path)).mode & 0o777, 0o640);
  assert.deepEqual(await readdir(dir), ['file']);
  await assert.rejects(writeFileAtomic(join(dir, 'missing', 'file'), 'x', 0o600), { code: 'ENOENT' });
});

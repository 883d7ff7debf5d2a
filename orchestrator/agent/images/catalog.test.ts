import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson, findImage, listImages, repoDigest, resolveImage } from './catalog.js';
import { programIds } from './programs/registry.js';
import { InvalidReferenceError, parseImageReference } from './reference.js';

test('references normalize like the docker CLI', () => {
  assert.deepEqual(parseImageReference('nginx'), { repository: 'nginx', tag: 'latest', digest: undefined });
  assert.deepEqual(parseImageReference('docker.io/library/nginx:1.25'), {
    repository: 'nginx',
    tag: '1.25',
    digest: undefined,
  });
  assert.deepEqual(parseImageReference('index.docker.io/dockersamples/visualizer'), {
    repository: 'dockersamples/visualizer',
    tag: 'latest',
    digest: undefined,
  });
  const digest = `sha256:${'a'.repeat(64)}`;
  assert.deepEqual(parseImageReference(`nginx@${digest}`), { repository: 'nginx', tag: undefined, digest });
  assert.deepEqual(parseImageReference(`localhost:5000/team/app:v1@${digest}`), {
    repository: 'localhost:5000/team/app',
    tag: 'v1',
    digest,
  });
  assert.throws(() => parseImageReference('Nginx'), /repository name \(Nginx\) must be lowercase/);
  assert.throws(() => parseImageReference('nginx:'), InvalidReferenceError);
  assert.throws(() => parseImageReference('nginx@sha256:123'), InvalidReferenceError);
  assert.throws(() => parseImageReference(''), InvalidReferenceError);
});

test('every lesson image resolves by name, name:tag, full name and pinned digest', () => {
  for (const ref of [
    'albertogviana/docker-routing-mesh:1.0.0',
    'albertogviana/docker-routing-mesh:2.0.0',
    'albertogviana/docker-routing-mesh:3.0.0-broken',
    'nginx',
    'nginx:alpine',
    'nginx:1.25',
    'nginx:2',
    'dockersamples/visualizer',
    'dockersamples/visualizer:stable',
    'alpine',
    'alpine:3.20',
    'busybox',
    'redis:3.0.6',
    'redis:3.0.7',
    'redis',
    'traefik/whoami',
  ]) {
    const image = resolveImage(ref);
    assert.ok(image, `${ref} resolves`);
    assert.equal(resolveImage(`docker.io/${ref.includes('/') ? '' : 'library/'}${ref}`)?.id, image.id);
    assert.equal(resolveImage(`${ref.split(':')[0]}@${image.digest}`)?.id, image.id, `${ref} by digest`);
    assert.equal(resolveImage(`${ref}@${image.digest}`)?.id, image.id);
  }
  assert.equal(resolveImage('nginx:latest')?.id, resolveImage('nginx')?.id);
  assert.equal(resolveImage('nginx:does-not-exist'), undefined);
  assert.equal(resolveImage(`nginx@sha256:${'0'.repeat(64)}`), undefined);
  assert.equal(resolveImage('someone/else'), undefined);
});

test('digests are stable hashes of the image description, distinct per image', () => {
  const images = listImages();
  assert.equal(new Set(images.map((i) => i.digest)).size, images.length);
  assert.equal(new Set(images.map((i) => i.id)).size, images.length);
  for (const image of images) {
    assert.match(image.digest, /^sha256:[0-9a-f]{64}$/);
    assert.match(image.id, /^sha256:[0-9a-f]{64}$/);
    assert.notEqual(image.id, image.digest);
  }
  assert.equal(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }), '{"a":[2,{"c":4,"d":3}],"b":1}');
  assert.equal(repoDigest(resolveImage('nginx')!), `nginx@${resolveImage('nginx')!.digest}`);
});

test('image lookups by id prefix work and malformed names find nothing', () => {
  const nginx = resolveImage('nginx')!;
  assert.equal(findImage(nginx.id)?.id, nginx.id);
  assert.equal(findImage(nginx.id.slice(7, 19))?.id, nginx.id);
  assert.equal(findImage('NOT A REF'), undefined);
});

test('default commands are what docker ps shows, and every executable has a program', () => {
  const nginx = resolveImage('nginx')!;
  assert.deepEqual(nginx.config.Entrypoint, ['/docker-entrypoint.sh']);
  assert.deepEqual(nginx.config.Cmd, ['nginx', '-g', 'daemon off;']);
  assert.deepEqual(resolveImage('redis:3.0.6')!.config.Entrypoint, ['docker-entrypoint.sh']);
  assert.deepEqual(resolveImage('dockersamples/visualizer')!.config.Cmd, ['npm', 'start']);
  assert.deepEqual(resolveImage('alpine')!.config.Cmd, ['/bin/sh']);
  const v2 = resolveImage('albertogviana/docker-routing-mesh:2.0.0')!;
  assert.ok(v2.config.Env?.includes('APP_VERSION=2.0.0'));
  assert.deepEqual(v2.config.Healthcheck, {
    Test: ['CMD-SHELL', 'wget -qO- localhost:8080/health'],
    Interval: 10_000_000_000,
  });
  assert.deepEqual(Object.keys(v2.config.ExposedPorts ?? {}), ['8080/tcp']);
  const known = new Set(programIds());
  for (const image of listImages()) {
    for (const [path, program] of Object.entries(image.binaries)) {
      assert.ok(known.has(program), `${image.repository}: ${path} -> ${program}`);
      assert.ok(path.startsWith('/'), path);
    }
  }
});

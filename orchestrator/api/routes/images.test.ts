import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { resolveImage } from '../../agent/images/catalog.js';
import { assertEachMatches, assertMatchesDefinition } from '../testing/schema.js';
import { dockerCliAvailable, startTestEngine, type TestEngine } from './engine-test-support.js';
import { imagesDiskUsage } from './images.js';

let engine: TestEngine;
before(async () => {
  engine = await startTestEngine();
});
after(() => engine.close());

describe('images', () => {
  test('GET /images/json lists the built-in catalog as ImageSummary', async () => {
    const { status, body } = await engine.json('GET', '/v1.47/images/json');
    assert.equal(status, 200);
    assertEachMatches('ImageSummary', body);
    const tags = body.flatMap((image: { RepoTags: string[] }) => image.RepoTags);
    for (const tag of [
      'nginx:latest',
      'albertogviana/docker-routing-mesh:2.0.0',
      'dockersamples/visualizer:latest',
      'redis:3.0.6',
      'alpine:latest',
      'traefik/whoami:latest',
    ]) {
      assert.ok(tags.includes(tag), tag);
    }
    const filtered = await engine.json(
      'GET',
      `/images/json?filters=${encodeURIComponent('{"reference":["redis:3.0.*"]}')}`,
    );
    assert.deepEqual(filtered.body.map((i: { RepoTags: string[] }) => i.RepoTags[0]).sort(), [
      'redis:3.0.6',
      'redis:3.0.7',
    ]);
    assert.deepEqual(
      (await engine.json('GET', `/images/json?filters=${encodeURIComponent('{"dangling":["true"]}')}`)).body,
      [],
    );
    assert.equal(
      (await engine.json('GET', `/images/json?filters=${encodeURIComponent('{"bogus":["x"]}')}`)).status,
      400,
    );
  });

  test('GET /images/{name}/json inspects names with slashes, tags and ids; the 2.0.0 config shows its healthcheck', async () => {
    const { status, body } = await engine.json(
      'GET',
      '/v1.47/images/albertogviana/docker-routing-mesh:2.0.0/json',
    );
    assert.equal(status, 200);
    assertMatchesDefinition('ImageInspect', body);
    assert.deepEqual(body.Config.Healthcheck, {
      Test: ['CMD-SHELL', 'wget -qO- localhost:8080/health'],
      Interval: 10_000_000_000,
    });
    assert.ok(body.Config.Env.includes('APP_VERSION=2.0.0'));
    assert.deepEqual(body.Config.ExposedPorts, { '8080/tcp': {} });
    for (const name of ['docker.io/albertogviana/docker-routing-mesh:2.0.0', body.Id, body.Id.slice(7, 19)]) {
      assert.equal((await engine.json('GET', `/images/${name}/json`)).body.Id, body.Id, name);
    }
    assert.equal(
      (await engine.json('GET', '/images/nginx/json')).body.Config.Entrypoint[0],
      '/docker-entrypoint.sh',
    );
    assert.deepEqual(await engine.json('GET', '/images/nginx:nope/json'), {
      status: 404,
      body: { message: 'No such image: nginx:nope' },
    });
    assert.equal((await engine.json('DELETE', '/images/nginx')).status, 409);
  });

  test('GET /distribution/{name}/json gives the digest services are pinned to', async () => {
    const { status, body } = await engine.json('GET', '/v1.47/distribution/nginx:latest/json');
    assert.equal(status, 200);
    assertMatchesDefinition('DistributionInspect', body);
    assert.equal(body.Descriptor.digest, resolveImage('nginx:latest')!.digest);
    assert.deepEqual(body.Platforms, [{ architecture: 'amd64', os: 'linux' }]);
    const visualizer = await engine.json('GET', '/distribution/dockersamples/visualizer/json');
    assert.equal(visualizer.body.Descriptor.digest, resolveImage('dockersamples/visualizer')!.digest);
    const missing = await engine.json('GET', '/distribution/nginx:9.9/json');
    assert.equal(missing.status, 404);
    assert.match(missing.body.message, /^manifest for nginx:9\.9 not found: manifest unknown/);
    const bad = await engine.json('GET', '/distribution/NGINX/json');
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /invalid reference format/);
  });

  test('system df counts the containers of each image', async () => {
    const info = await engine.run({ image: 'alpine', args: ['true'] });
    const usage = imagesDiskUsage(engine.executor);
    assertEachMatches('ImageSummary', usage.Images);
    assert.equal(usage.Images.find((i) => i.Id === info.imageId)?.Containers, 1);
    assert.ok(usage.LayersSize > 0);
  });
});

describe('docker image commands', {
  skip: !dockerCliAvailable() && 'the docker CLI is not installed',
}, () => {
  test('docker image ls and docker image inspect', async () => {
    const ls = await engine.docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /^albertogviana\/docker-routing-mesh:2\.0\.0$/m);
    const inspect = await engine.docker([
      'image',
      'inspect',
      '--format',
      '{{json .Config.Healthcheck}}',
      'albertogviana/docker-routing-mesh:2.0.0',
    ]);
    assert.equal(
      inspect.stdout,
      '{"Test":["CMD-SHELL","wget -qO- localhost:8080/health"],"Interval":10000000000}\n',
    );
  });

  test('docker pull of a built-in image is up to date; of anything else, refused as Docker does', async () => {
    const pull = await engine.docker(['pull', 'albertogviana/docker-routing-mesh:2.0.0']);
    assert.equal(pull.code, 0, pull.stderr);
    const digest = resolveImage('albertogviana/docker-routing-mesh:2.0.0')!.digest;
    assert.equal(
      pull.stdout,
      `2.0.0: Pulling from albertogviana/docker-routing-mesh\nDigest: ${digest}\n` +
        'Status: Image is up to date for albertogviana/docker-routing-mesh:2.0.0\n' +
        'docker.io/albertogviana/docker-routing-mesh:2.0.0\n',
    );
    const tag = await engine.docker(['pull', 'nginx:9.9']);
    assert.equal(tag.code, 1);
    assert.match(tag.stderr, /manifest for nginx:9\.9 not found: manifest unknown/);
    const repo = await engine.docker(['pull', 'nosuch/image']);
    assert.equal(repo.code, 1);
    assert.match(repo.stderr, /pull access denied for nosuch\/image, repository does not exist/);
  });
});

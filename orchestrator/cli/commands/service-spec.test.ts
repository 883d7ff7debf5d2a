// The service specs create and update send, compared with the request bodies docker CLI 28.2.2 sent for the
// same commands (docker-engine-api/cli-28.2.2-requests.txt).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceSpec } from '../../api/engine-types.js';
import type { EngineClient } from '../client/engine-client.js';
import { Command } from '../cobra/command.js';
import { FlagValues, parseFlags } from '../cobra/flags.js';
import { imageWithDigest, imageWithTag } from '../text/image-reference.js';
import { serviceCommand } from './service.js';
import { buildServiceSpec, normalizeServiceSpec, updateServiceSpec } from './service-spec.js';
import { parseMount, parsePort, shlexSplit } from './service-values.js';

const noDaemon = {
  get: async () => {
    throw new Error('no daemon call expected');
  },
} as unknown as EngineClient;

function flagsOf(sub: string, argv: string[]): [FlagValues, string[]] {
  const command = new Command(serviceCommand()).findChild(sub)!;
  const values = new FlagValues(command.allFlags);
  const args = parseFlags(values, argv, { interspersed: command.def.interspersed ?? true });
  return [values, args];
}

const digest = 'sha256:28327d2d1d8875964c0e44e38f1f7e86c329f8be9e1bb5857c7f9a0ea4f6707b';

test('service create --name web --replicas 3 -p 8080:80 nginx', async () => {
  const [flags, args] = flagsOf('create', ['--name', 'web', '--replicas', '3', '-p', '8080:80', 'nginx']);
  const spec = await buildServiceSpec(flags, args[0]!, args.slice(1), noDaemon, {});
  const container = spec.TaskTemplate!.ContainerSpec!;
  container.Image = imageWithDigest(imageWithTag(container.Image!), digest);
  spec.TaskTemplate!.Placement = {
    ...spec.TaskTemplate!.Placement,
    Platforms: [{ Architecture: 'amd64', OS: 'linux' }],
  };
  assert.equal(
    JSON.stringify(normalizeServiceSpec(spec)),
    '{"Name":"web","Labels":{},"TaskTemplate":{"ContainerSpec":{"Image":"nginx:latest@sha256:28327d2d1d8875964c0e44e38f1f7e86c329f8be9e1bb5857c7f9a0ea4f6707b","Init":false,"DNSConfig":{}},"Resources":{"Limits":{},"Reservations":{}},"Placement":{"Platforms":[{"Architecture":"amd64","OS":"linux"}]},"ForceUpdate":0},"Mode":{"Replicated":{"Replicas":3}},"EndpointSpec":{"Mode":"vip","Ports":[{"Protocol":"tcp","TargetPort":80,"PublishedPort":8080,"PublishMode":"ingress"}]}}',
  );
});

test('service update --image nginx:2 --update-parallelism 1 --update-delay 5s web', async () => {
  const current = JSON.parse(
    '{"Name":"web","Labels":{},"TaskTemplate":{"ContainerSpec":{"Image":"nginx:latest@sha256:28327d2d1d8875964c0e44e38f1f7e86c329f8be9e1bb5857c7f9a0ea4f6707b","Init":false,"DNSConfig":{}},"Resources":{"Limits":{},"Reservations":{}},"Placement":{"Platforms":[{"Architecture":"amd64","OS":"linux"}]},"ForceUpdate":0},"Mode":{"Replicated":{"Replicas":5}},"EndpointSpec":{"Mode":"vip","Ports":[{"Protocol":"tcp","TargetPort":80,"PublishedPort":8080,"PublishMode":"ingress"}]}}',
  ) as ServiceSpec;
  const [flags] = flagsOf('update', [
    '--image',
    'nginx:2',
    '--update-parallelism',
    '1',
    '--update-delay',
    '5s',
    'web',
  ]);
  const spec = await updateServiceSpec(current, flags, noDaemon);
  const container = spec.TaskTemplate!.ContainerSpec!;
  container.Image = imageWithDigest(
    imageWithTag(container.Image!),
    'sha256:442e6b78c878f0c2e04854fe7c5638758b01d4111f47789ed5acee16f1654968',
  );
  assert.equal(
    JSON.stringify(normalizeServiceSpec(spec)),
    '{"Name":"web","Labels":{},"TaskTemplate":{"ContainerSpec":{"Image":"nginx:2@sha256:442e6b78c878f0c2e04854fe7c5638758b01d4111f47789ed5acee16f1654968","Init":false,"DNSConfig":{}},"Resources":{"Limits":{},"Reservations":{}},"Placement":{"Platforms":[{"Architecture":"amd64","OS":"linux"}]},"ForceUpdate":0},"Mode":{"Replicated":{"Replicas":5}},"UpdateConfig":{"Parallelism":1,"Delay":5000000000,"FailureAction":"pause","Monitor":5000000000,"MaxFailureRatio":0,"Order":"stop-first"},"EndpointSpec":{"Mode":"vip","Ports":[{"Protocol":"tcp","TargetPort":80,"PublishedPort":8080,"PublishMode":"ingress"}]}}',
  );
});

test("the lessons' flags build the fields the steps check", async () => {
  const [flags, args] = flagsOf('create', [
    '--name=visualizer',
    '--publish=8000:8080/tcp',
    '--constraint=node.role==manager',
    '--mount=type=bind,src=/var/run/docker.sock,dst=/var/run/docker.sock',
    '--reserve-memory',
    '20m',
    '-e',
    'A=1',
    '--restart-condition',
    'on-failure',
    'dockersamples/visualizer',
    'sh',
    '-c',
    'echo hi',
  ]);
  const spec = await buildServiceSpec(flags, args[0]!, args.slice(1), noDaemon, {});
  assert.deepEqual(spec.TaskTemplate?.Placement, { Constraints: ['node.role==manager'] });
  assert.deepEqual(spec.TaskTemplate?.ContainerSpec?.Mounts, [
    { Type: 'bind', Source: '/var/run/docker.sock', Target: '/var/run/docker.sock' },
  ]);
  assert.deepEqual(spec.TaskTemplate?.Resources, { Limits: {}, Reservations: { MemoryBytes: 20971520 } });
  assert.deepEqual(spec.TaskTemplate?.ContainerSpec?.Args, ['sh', '-c', 'echo hi']);
  assert.deepEqual(spec.TaskTemplate?.ContainerSpec?.Env, ['A=1']);
  assert.deepEqual(spec.TaskTemplate?.RestartPolicy, {
    Condition: 'on-failure',
    Delay: 5000000000,
    MaxAttempts: 0,
  });
  assert.deepEqual(spec.EndpointSpec?.Ports, [
    { Protocol: 'tcp', TargetPort: 8080, PublishedPort: 8000, PublishMode: 'ingress' },
  ]);
  assert.equal(imageWithTag('dockersamples/visualizer'), 'dockersamples/visualizer:latest');
});

test('update flags add, replace and remove as docker does', async () => {
  const current = {
    Name: 'api',
    Labels: { a: '1' },
    TaskTemplate: {
      ContainerSpec: { Image: 'nginx:latest', Env: ['A=1', 'B=2'], Init: false },
      Placement: { Constraints: ['node.role==worker'] },
    },
    Mode: { Replicated: { Replicas: 1 } },
    EndpointSpec: {
      Mode: 'vip',
      Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' }],
    },
  } as ServiceSpec;
  const [flags] = flagsOf('update', [
    '--env-add',
    'B=3',
    '--env-rm',
    'A',
    '--label-add',
    'b=2',
    '--label-rm',
    'a',
    '--constraint-add',
    'node.labels.zone==a',
    '--constraint-rm',
    'node.role==worker',
    '--publish-rm',
    '80',
    '--publish-add',
    '9090:90',
    '--replicas',
    '3',
    '--force',
    'api',
  ]);
  const spec = await updateServiceSpec(current, flags, noDaemon);
  assert.deepEqual(spec.Labels, { b: '2' });
  assert.deepEqual(spec.TaskTemplate?.ContainerSpec?.Env, ['B=3']);
  assert.deepEqual(spec.TaskTemplate?.Placement?.Constraints, ['node.labels.zone==a']);
  assert.deepEqual(spec.EndpointSpec?.Ports, [
    { Protocol: 'tcp', TargetPort: 90, PublishedPort: 9090, PublishMode: 'ingress' },
  ]);
  assert.equal(spec.Mode?.Replicated?.Replicas, 3);
  assert.equal(spec.TaskTemplate?.ForceUpdate, 1);
});

test('flag values parse as docker parses them', () => {
  assert.deepEqual(parsePort('8080-8081:80-81/udp'), [
    { Protocol: 'udp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' },
    { Protocol: 'udp', TargetPort: 81, PublishedPort: 8081, PublishMode: 'ingress' },
  ]);
  assert.deepEqual(parsePort('published=8080,target=80,mode=host'), [
    { Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'host' },
  ]);
  assert.deepEqual(parseMount('type=volume,src=data,dst=/data,ro'), {
    Type: 'volume',
    Source: 'data',
    Target: '/data',
    ReadOnly: true,
  });
  assert.throws(() => parseMount('src=/a'), /target is required/);
  assert.deepEqual(shlexSplit(`sh -c 'echo "a b"' x\\ y`), ['sh', '-c', 'echo "a b"', 'x y']);
});

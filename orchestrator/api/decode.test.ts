import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import yaml from 'js-yaml';
import { decodeBody } from './decode.js';
import { ApiError } from './errors.js';

function refusal(body: unknown, name: Parameters<typeof decodeBody>[1]): string {
  try {
    decodeBody(body, name);
  } catch (error) {
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 400);
    return error.message;
  }
  assert.fail(`${JSON.stringify(body)} was accepted`);
}

const specPath = new URL('../../../orchestrator/api/spec/swagger-v1.47.yaml', import.meta.url);

const spec = (containerSpec: Record<string, unknown>) => ({
  Name: 'web',
  TaskTemplate: { ContainerSpec: { Image: 'nginx', ...containerSpec } },
});

test("values of the wrong type get Go's message, naming the struct, the field's path and its type", () => {
  assert.equal(
    refusal(spec({ Hostname: 42 }), 'ServiceSpec'),
    'json: cannot unmarshal number into Go struct field ContainerSpec.TaskTemplate.ContainerSpec.Hostname of type string',
  );
  assert.equal(
    refusal({ Mode: { Replicated: { Replicas: 'three' } } }, 'ServiceSpec'),
    'json: cannot unmarshal string into Go struct field ReplicatedService.Mode.Replicated.Replicas of type uint64',
  );
  assert.equal(
    refusal(spec({ Env: 'A=1' }), 'ServiceSpec'),
    'json: cannot unmarshal string into Go struct field ContainerSpec.TaskTemplate.ContainerSpec.Env of type []string',
  );
  assert.equal(
    refusal({ Labels: { a: 1 } }, 'ServiceSpec'),
    'json: cannot unmarshal number into Go struct field ServiceSpec.Labels of type string',
  );
  assert.equal(
    refusal([], 'ServiceSpec'),
    'json: cannot unmarshal array into Go value of type swarm.ServiceSpec',
  );
  assert.match(
    refusal({ TaskTemplate: 'nginx' }, 'ServiceSpec'),
    /ServiceSpec\.TaskTemplate of type TaskSpec$/,
  );
  assert.match(
    refusal(spec({ Mounts: [{ Type: 'bind', ReadOnly: 'yes' }] }), 'ServiceSpec'),
    /unmarshal string into Go struct field Mount\.TaskTemplate\.ContainerSpec\.Mounts\.ReadOnly of type bool/,
  );
});

test('integers are whole and in range for their Go type', () => {
  assert.match(
    refusal({ Mode: { Replicated: { Replicas: -1 } } }, 'ServiceSpec'),
    /number -1 into .* uint64/,
  );
  assert.match(
    refusal({ Mode: { Replicated: { Replicas: 1.5 } } }, 'ServiceSpec'),
    /number 1.5 into .* uint64/,
  );
  assert.match(
    refusal({ Dispatcher: { HeartbeatPeriod: 2 ** 64 } }, 'SwarmSpec'),
    /HeartbeatPeriod of type int64/,
  );
  assert.match(
    refusal({ ConsoleSize: [24, -80] }, 'ExecStartConfig'),
    /number -80 into Go struct field .*ConsoleSize of type uint64/,
  );
});

test('null, unknown fields and other-cased keys decode as with Go; no body is an empty object', () => {
  const body = spec({ Hostname: null, Bogus: { Deep: [1] } });
  assert.equal(decodeBody(body, 'ServiceSpec'), body);
  assert.deepEqual(decodeBody(undefined, 'ServiceSpec'), {});
  assert.deepEqual(decodeBody(null, 'NodeSpec'), {});
  assert.match(refusal({ name: 42 }, 'ServiceSpec'), /ServiceSpec\.Name of type string/);
  assert.match(refusal({ Role: 1 }, 'NodeSpec'), /NodeSpec\.Role of type string/);
  assert.match(refusal({ RemoteAddrs: '127.0.0.1' }, 'SwarmJoinRequest'), /RemoteAddrs of type \[\]string/);
});

test("the definition's own example bodies decode", () => {
  const spec = yaml.load(readFileSync(specPath, 'utf8')) as {
    paths: Record<
      string,
      Record<string, { parameters?: { in: string; schema?: Record<string, unknown> }[] }>
    >;
  };
  const examples: [Parameters<typeof decodeBody>[1], string][] = [
    ['ServiceSpec', '/services/create'],
    ['ServiceSpec', '/services/{id}/update'],
    ['SecretSpec', '/secrets/create'],
    ['ExecConfig', '/containers/{id}/exec'],
    ['ExecStartConfig', '/exec/{id}/start'],
    ['SwarmInitRequest', '/swarm/init'],
    ['SwarmJoinRequest', '/swarm/join'],
    ['SwarmUnlockRequest', '/swarm/unlock'],
  ];
  for (const [name, path] of examples) {
    const schema = spec.paths[path].post.parameters?.find((p) => p.in === 'body')?.schema ?? {};
    const parts = [schema, ...((schema.allOf as Record<string, unknown>[] | undefined) ?? [])];
    const example = parts.find((part) => part.example)?.example;
    assert.ok(example, `${path} has an example`);
    assert.doesNotThrow(() => decodeBody(example, name), `the example of ${path}`);
  }
});

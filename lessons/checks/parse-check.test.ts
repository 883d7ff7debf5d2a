import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CheckSyntaxError, parseCheck } from './parse-check.js';

test('subjects, filters and assertions parse into checks', () => {
  assert.deepEqual(parseCheck('running tasks of docker-routing-mesh: count == 3'), {
    source: 'running tasks of docker-routing-mesh: count == 3',
    subject: { kind: 'tasks', service: 'docker-routing-mesh', running: true },
    where: [],
    assertions: [{ kind: 'count', op: '==', value: 3 }],
  });
  assert.deepEqual(
    parseCheck('nodes where ManagerStatus.Leader == true: count == 1, ManagerStatus.Addr == $SWARM_1:2377'),
    {
      source: 'nodes where ManagerStatus.Leader == true: count == 1, ManagerStatus.Addr == $SWARM_1:2377',
      subject: { kind: 'nodes' },
      where: [{ path: 'ManagerStatus.Leader', op: '==', value: 'true' }],
      assertions: [
        { kind: 'count', op: '==', value: 1 },
        { kind: 'field', path: 'ManagerStatus.Addr', op: '==', value: '$SWARM_1:2377' },
      ],
    },
  );
  assert.deepEqual(
    parseCheck('http each :8080/: status == 200, body matches /^The hostname is [0-9a-f]{12}!$/').subject,
    {
      kind: 'http',
      on: { kind: 'each' },
      port: 8080,
      path: '/',
      times: 1,
    },
  );
  assert.deepEqual(parseCheck('http swarm-1 :8080/ x10: distinct body >= 2').assertions, [
    { kind: 'distinct', path: 'body', op: '>=', value: 2 },
  ]);
  assert.deepEqual(parseCheck('running tasks of visualizer on managers: count == 1').subject, {
    kind: 'tasks',
    service: 'visualizer',
    running: true,
    on: 'managers',
  });
  assert.deepEqual(parseCheck('no service helloworld').subject, {
    kind: 'service',
    name: 'helloworld',
    absent: true,
  });
  assert.deepEqual(parseCheck('predicate service-on-network nginx routing-mesh').subject, {
    kind: 'predicate',
    name: 'service-on-network',
    args: ['nginx', 'routing-mesh'],
  });
  assert.deepEqual(parseCheck('secret my_secret: Spec.Data absent').assertions, [
    { kind: 'field', path: 'Spec.Data', op: 'absent' },
  ]);
  assert.deepEqual(parseCheck('service web: Spec.Labels.note == "a, b: c"').assertions, [
    { kind: 'field', path: 'Spec.Labels.note', op: '==', value: 'a, b: c' },
  ]);
});

test('bad lines are refused with what is wrong', () => {
  const refused = (line: string, message: RegExp) =>
    assert.throws(
      () => parseCheck(line),
      (e: Error) => e instanceof CheckSyntaxError && message.test(e.message),
    );
  refused('containerz on swarm-1: count == 0', /unknown subject "containerz"/);
  refused('nodes: count = 3', /count takes ==/);
  refused('nodes: Status.State is ready', /unknown operator "is"/);
  refused('swarm: count == 1', /count applies to lists/);
  refused('nodes', /asserts nothing/);
  refused('http each 8080/: status == 200', /expected :PORT\/path/);
  refused('service web where Spec.Name == web: Spec.Name exists', /"where" filters lists/);
  refused(
    'nodes: Description.Hostname matches /[/',
    /unterminated regular expression|invalid regular expression/,
  );
  refused('nodes: Spec.Role == worker extra', /unexpected "extra"/);
});

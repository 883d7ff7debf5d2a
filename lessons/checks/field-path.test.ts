import assert from 'node:assert/strict';
import { test } from 'node:test';
import { holds, show, valuesAt } from './field-path.js';

const service = {
  Spec: {
    Name: 'web',
    Mode: { Replicated: { Replicas: 3 } },
    TaskTemplate: {
      Placement: { Constraints: ['node.role==manager'] },
      ContainerSpec: {
        Mounts: [
          { Type: 'bind', Source: '/var/run/docker.sock' },
          { Type: 'volume', Source: 'data' },
        ],
      },
    },
  },
  Endpoint: { Ports: [{ TargetPort: 8080, PublishedPort: 8000, PublishMode: 'ingress' }] },
  UpdateStatus: null,
};

test('paths reach fields, array elements and every element', () => {
  assert.deepEqual(valuesAt(service, 'Spec.Name'), ['web']);
  assert.deepEqual(valuesAt(service, 'Endpoint.Ports[0].PublishedPort'), [8000]);
  assert.deepEqual(valuesAt(service, 'Spec.TaskTemplate.ContainerSpec.Mounts[*].Source'), [
    '/var/run/docker.sock',
    'data',
  ]);
  assert.deepEqual(valuesAt(service, 'Endpoint.Ports[3].PublishedPort'), []);
  assert.deepEqual(valuesAt(service, 'Spec.Missing.Deeper'), []);
});

test('conditions compare as the field is typed', () => {
  assert.ok(holds(service, { path: 'Spec.Mode.Replicated.Replicas', op: '==', value: '3' }));
  assert.ok(!holds(service, { path: 'Spec.Mode.Replicated.Replicas', op: '==', value: '' }));
  assert.ok(holds(service, { path: 'Spec.Mode.Replicated.Replicas', op: '>=', value: '2' }));
  assert.ok(
    holds(service, {
      path: 'Spec.TaskTemplate.Placement.Constraints',
      op: 'contains',
      value: 'node.role==manager',
    }),
  );
  assert.ok(
    holds(service, {
      path: 'Spec.TaskTemplate.ContainerSpec.Mounts[*].Source',
      op: '==',
      value: '/var/run/docker.sock',
    }),
  );
  assert.ok(
    !holds(service, { path: 'Spec.TaskTemplate.ContainerSpec.Mounts[*].Type', op: '!=', value: 'bind' }),
    '!= holds for no element',
  );
  assert.ok(holds(service, { path: 'Spec.Name', op: 'matches', value: '/^w.b$/' }));
  assert.ok(holds(service, { path: 'Spec.Name', op: 'starts-with', value: 'we' }));
  assert.ok(holds(service, { path: 'UpdateStatus', op: 'absent' }), 'null counts as absent');
  assert.ok(holds(service, { path: 'Spec.Secret', op: 'absent' }));
  assert.ok(holds(service, { path: 'Spec.Name', op: 'exists' }));
  assert.ok(
    !holds(service, { path: 'Spec.Missing', op: '==', value: 'x' }),
    'a missing field equals nothing',
  );
});

test('values show plainly in messages', () => {
  assert.equal(show([]), 'nothing');
  assert.equal(show(['pending']), 'pending');
  assert.equal(show([3]), '3');
  assert.equal(show([['a']]), '["a"]');
  assert.match(show(['x'.repeat(500)]), /\.\.\.$/);
});

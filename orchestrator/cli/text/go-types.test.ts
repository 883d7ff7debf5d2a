import assert from 'node:assert/strict';
import { test } from 'node:test';
import { basicFunctions } from '../formatter/format-context.js';
import { marshalIndent } from './go-json.js';
import { GoTemplate, goJSON } from './go-template.js';
import { decodeGo, nodeType, serviceType, systemInfoType } from './go-types.js';

const run = (text: string, data: unknown) =>
  GoTemplate.parse(text, { funcs: basicFunctions }).execute(data, { missingKey: 'error' });

const service = {
  ID: 'svc1',
  Version: { Index: 12 },
  CreatedAt: '2025-01-02T03:04:05.120000000Z',
  UpdatedAt: '2025-01-02T03:04:06+00:00',
  Spec: {
    Labels: {},
    Name: 'web',
    TaskTemplate: {
      ContainerSpec: { Image: 'nginx:latest', Init: false, StopGracePeriod: 10000000000, DNSConfig: {} },
      Resources: { Limits: {}, Reservations: {} },
      RestartPolicy: { Condition: 'any', Delay: 5000000000, MaxAttempts: 0 },
      Placement: {},
      ForceUpdate: 0,
      Runtime: 'container',
      Unknown: 'dropped',
    },
    Mode: { Replicated: { Replicas: 3 } },
    UpdateConfig: {
      Parallelism: 1,
      FailureAction: 'pause',
      Monitor: 5000000000,
      MaxFailureRatio: 0,
      Order: 'stop-first',
    },
    EndpointSpec: { Mode: 'vip' },
  },
  Endpoint: { Spec: {} },
};

test('API objects re-encode as Go structs: order, zero values, omitempty, dropped fields', () => {
  const typed = decodeGo(service, serviceType);
  assert.equal(
    goJSON(typed),
    '{"ID":"svc1","Version":{"Index":12},"CreatedAt":"2025-01-02T03:04:05.12Z","UpdatedAt":"2025-01-02T03:04:06Z",' +
      '"Spec":{"Name":"web","Labels":{},"TaskTemplate":{"ContainerSpec":{"Image":"nginx:latest","Init":false,' +
      '"StopGracePeriod":10000000000,"DNSConfig":{}},"Resources":{"Limits":{},"Reservations":{}},' +
      '"RestartPolicy":{"Condition":"any","Delay":5000000000,"MaxAttempts":0},"Placement":{},"ForceUpdate":0,' +
      '"Runtime":"container"},"Mode":{"Replicated":{"Replicas":3}},"UpdateConfig":{"Parallelism":1,' +
      '"FailureAction":"pause","Monitor":5000000000,"MaxFailureRatio":0,"Order":"stop-first"},' +
      '"EndpointSpec":{"Mode":"vip"}},"Endpoint":{"Spec":{}}}',
  );
  assert.match(
    marshalIndent([typed]),
    /^\[\n {4}\{\n {8}"ID": "svc1",\n {8}"Version": \{\n {12}"Index": 12\n/,
  );
  const node = decodeGo(
    { ID: 'n1', Spec: { Role: 'worker', Availability: 'active' }, Description: { Engine: { Labels: {} } } },
    nodeType,
  );
  assert.equal(
    goJSON(node),
    '{"ID":"n1","Version":{},"CreatedAt":"0001-01-01T00:00:00Z","UpdatedAt":"0001-01-01T00:00:00Z",' +
      '"Spec":{"Labels":null,"Role":"worker","Availability":"active"},' +
      '"Description":{"Platform":{},"Resources":{},"Engine":{},"TLSInfo":{}},"Status":{}}',
  );
});

test('templates over decoded structs print as Go: durations, times, typed nils', () => {
  const typed = decodeGo(service, serviceType);
  assert.equal(run('{{.Spec.TaskTemplate.RestartPolicy.Delay}}', typed), '5s');
  assert.equal(run('{{.Spec.TaskTemplate.ContainerSpec.StopGracePeriod}}', typed), '10s');
  assert.equal(run('{{.Spec.UpdateConfig.Delay}}', typed), '0s');
  assert.equal(run('{{.CreatedAt}}', typed), '2025-01-02 03:04:05.12 +0000 UTC');
  assert.equal(run('{{.Spec.Mode.Replicated.Replicas}}', typed), '3');
  assert.equal(run('{{.Spec.Mode.Global}}', typed), '<nil>');
  assert.equal(
    run('{{.Spec.TaskTemplate.ContainerSpec.Env}} {{.Spec.TaskTemplate.ContainerSpec.Labels}}', typed),
    '[] map[]',
  );
  assert.equal(
    run('{{if .UpdateStatus}}yes{{else}}no{{end}} {{len .Spec.TaskTemplate.ContainerSpec.Env}}', typed),
    'no 0',
  );
  assert.equal(
    run('{{.Spec.Labels.foo}}', decodeGo({ Spec: { Labels: { foo: 'bar' } } }, serviceType)),
    'bar',
  );
  assert.throws(
    () => run('{{.UpdateStatus.State}}', typed),
    /at <\.UpdateStatus\.State>: nil pointer evaluating \*swarm\.UpdateStatus\.State/,
  );
  assert.throws(() => run('{{.Nope}}', typed), /can't evaluate field Nope in type swarm\.Service/);
  assert.equal(run('{{json .Spec.Mode}}', typed), '{"Replicated":{"Replicas":3}}');
  assert.equal(run('{{.Endpoint.Spec}}', typed), '{ []}');
});

test("a zero system.Info encodes as docker 28.2.2's (docker info --format json without a daemon)", () => {
  const zero =
    '{"ID":"","Containers":0,"ContainersRunning":0,"ContainersPaused":0,"ContainersStopped":0,"Images":0,"Driver":"","DriverStatus":null,"Plugins":{"Volume":null,"Network":null,"Authorization":null,"Log":null},"MemoryLimit":false,"SwapLimit":false,"CpuCfsPeriod":false,"CpuCfsQuota":false,"CPUShares":false,"CPUSet":false,"PidsLimit":false,"IPv4Forwarding":false,"Debug":false,"NFd":0,"OomKillDisable":false,"NGoroutines":0,"SystemTime":"","LoggingDriver":"","CgroupDriver":"","NEventsListener":0,"KernelVersion":"","OperatingSystem":"","OSVersion":"","OSType":"","Architecture":"","IndexServerAddress":"","RegistryConfig":null,"NCPU":0,"MemTotal":0,"GenericResources":null,"DockerRootDir":"","HttpProxy":"","HttpsProxy":"","NoProxy":"","Name":"","Labels":null,"ExperimentalBuild":false,"ServerVersion":"","Runtimes":null,"DefaultRuntime":"","Swarm":{"NodeID":"","NodeAddr":"","LocalNodeState":"","ControlAvailable":false,"Error":"","RemoteManagers":null},"LiveRestoreEnabled":false,"Isolation":"","InitBinary":"","ContainerdCommit":{"ID":""},"RuncCommit":{"ID":""},"InitCommit":{"ID":""},"SecurityOptions":null,"CDISpecDirs":null,"Warnings":null}';
  assert.equal(goJSON(decodeGo({}, systemInfoType)), zero);
});

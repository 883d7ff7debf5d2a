// The table and pretty formatters against docker CLI 28.2.2's own output for the same objects
// (docker-engine-api/cli-28.2.2-output.txt in the shared reference material).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Node, Service, Task } from '../../api/engine-types.js';
import type { Output } from '../cli-env.js';
import {
  ContainerContext,
  containerHeader,
  defaultContainerTableFormat,
  displayablePorts,
} from './container-formatter.js';
import { parseTemplate, writeFormatted } from './format-context.js';
import { inspectObjects } from './inspect.js';
import {
  NodeContext,
  NodeInspectContext,
  nodeHeader,
  nodeInspectPrettyTemplate,
  nodeListFormat,
} from './node-formatter.js';
import {
  defaultServiceTableFormat,
  formatServicePorts,
  ServiceContext,
  ServiceInspectContext,
  serviceHeader,
  serviceInspectPrettyTemplate,
} from './service-formatter.js';
import { defaultTaskTableFormat, TaskContext, taskHeader } from './task-formatter.js';

function buffer(): Output & { text: string } {
  const out = {
    text: '',
    write(t: string) {
      out.text += t;
    },
    isTerminal: false,
    columns: 0,
  };
  return out;
}

const now = Date.parse('2026-11-24T18:07:40.000Z');

const web: Service = {
  ID: 'q2m1hzbk306ecz63bnmy0l3ne',
  Version: { Index: 30 },
  CreatedAt: '2026-11-24T18:07:22.245Z',
  Spec: {
    Name: 'web',
    Labels: {},
    TaskTemplate: {
      ContainerSpec: {
        Image: 'nginx:2@sha256:442e6b78c878f0c2e04854fe7c5638758b01d4111f47789ed5acee16f1654968',
        Init: false,
        DNSConfig: {},
      },
      Resources: { Limits: {}, Reservations: {} },
      Placement: { Platforms: [{ Architecture: 'amd64', OS: 'linux' }] },
      ForceUpdate: 0,
    },
    Mode: { Replicated: { Replicas: 5 } },
    UpdateConfig: {
      Parallelism: 1,
      Delay: 5000000000,
      FailureAction: 'pause',
      Monitor: 5000000000,
      MaxFailureRatio: 0,
      Order: 'stop-first',
    },
    EndpointSpec: {
      Mode: 'vip',
      Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' }],
    },
  },
  Endpoint: {
    Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' }],
  },
  UpdateStatus: {
    State: 'completed',
    StartedAt: '2026-11-24T18:07:39.600Z',
    CompletedAt: '2026-11-24T18:07:39.900Z',
    Message: 'update completed',
  },
  ServiceStatus: { RunningTasks: 3, DesiredTasks: 3 },
};

test('service ls prints the table docker prints', () => {
  const out = buffer();
  const service = structuredClone(web);
  service.Spec!.TaskTemplate!.ContainerSpec!.Image =
    'nginx:latest@sha256:28327d2d1d8875964c0e44e38f1f7e86c329f8be9e1bb5857c7f9a0ea4f6707b';
  writeFormatted(out, defaultServiceTableFormat, serviceHeader, [new ServiceContext(service)]);
  assert.equal(
    out.text,
    'ID             NAME      MODE         REPLICAS   IMAGE          PORTS\n' +
      'q2m1hzbk306e   web       replicated   3/3        nginx:latest   *:8080->80/tcp\n',
  );
});

test('service ls --format json marshals the row methods with sorted keys, HTML-escaped as json.Marshal', () => {
  const out = buffer();
  writeFormatted(out, 'json', serviceHeader, [new ServiceContext(web)]);
  assert.equal(
    out.text,
    '{"ID":"q2m1hzbk306e","Image":"nginx:2","Mode":"replicated","Name":"web","Ports":"*:8080-\\u003e80/tcp","Replicas":"3/3"}\n',
  );
});

test('published ports are grouped into ranges as docker groups them', () => {
  const port = (published: number, target: number, protocol: 'tcp' | 'udp' = 'tcp') => ({
    Protocol: protocol,
    TargetPort: target,
    PublishedPort: published,
    PublishMode: 'ingress' as const,
  });
  assert.equal(
    formatServicePorts([port(80, 80), port(81, 81), port(82, 80)]),
    '*:80-81->80-81/tcp, *:82->80/tcp',
  );
  assert.equal(formatServicePorts([port(80, 80), port(81, 80)]), '*:80-81->80/tcp');
  assert.equal(formatServicePorts([port(53, 53, 'udp'), port(53, 53)]), '*:53->53/tcp, *:53->53/udp');
  assert.equal(formatServicePorts(undefined), '');
});

test('service inspect --pretty renders docker pretty template', () => {
  const template = parseTemplate(serviceInspectPrettyTemplate);
  const text = `${template.execute(new ServiceInspectContext(web, new Map(), now))}\n`;
  assert.equal(
    text,
    [
      '',
      'ID:\t\tq2m1hzbk306ecz63bnmy0l3ne',
      'Name:\t\tweb',
      'Service Mode:\tReplicated',
      ' Replicas:\t5',
      'UpdateStatus:',
      ' State:\t\tcompleted',
      ' Started:\tLess than a second ago',
      ' Completed:\tLess than a second ago',
      ' Message:\tupdate completed',
      'Placement:',
      'UpdateConfig:',
      ' Parallelism:\t1',
      ' Delay:\t\t5s',
      ' On failure:\tpause',
      ' Monitoring Period: 5s',
      ' Max failure ratio: 0',
      ' Update order:      stop-first',
      'ContainerSpec:',
      ' Image:\t\tnginx:2@sha256:442e6b78c878f0c2e04854fe7c5638758b01d4111f47789ed5acee16f1654968',
      ' Init:\t\tfalse',
      'Resources:',
      'Endpoint Mode:\tvip',
      'Ports:',
      ' PublishedPort = 8080',
      '  Protocol = tcp',
      '  TargetPort = 80',
      '  PublishMode = ingress ',
      '',
      '',
    ].join('\n'),
  );
});

const task = (
  id: string,
  slot: number,
  image: string,
  desired: string,
  state: string,
  ago: number,
  created: string,
): Task => ({
  ID: id,
  CreatedAt: created,
  ServiceID: web.ID,
  Slot: slot,
  NodeID: 'node1',
  Spec: { ContainerSpec: { Image: image } },
  DesiredState: desired as Task['DesiredState'],
  Status: { State: state as Task['DesiredState'], Timestamp: new Date(now - ago).toISOString() },
});

test('task rows indent the history of a slot and print docker column widths', () => {
  const out = buffer();
  const rows = [
    new TaskContext(
      task(
        '1z8ubr22gookaaaaaaaaaaaaa',
        1,
        'nginx:2@sha256:442e6b78c878f0c2e04854fe7c5638758b01d4111f47789ed5acee16f1654968',
        'running',
        'running',
        300,
        '',
      ),
      true,
      'web.1',
      'stubhost',
      now,
    ),
    new TaskContext(
      task(
        'ajb0izqlss6xaaaaaaaaaaaaa',
        1,
        'nginx:latest@sha256:28327d2d1d8875964c0e44e38f1f7e86c329f8be9e1bb5857c7f9a0ea4f6707b',
        'shutdown',
        'shutdown',
        22_000,
        '',
      ),
      true,
      ' \\_ web.1',
      'stubhost',
      now,
    ),
  ];
  writeFormatted(out, defaultTaskTableFormat, taskHeader, rows);
  const lines = out.text.split('\n');
  assert.equal(
    lines[1],
    '1z8ubr22gook   web.1       nginx:2        stubhost   Running         Running less than a second ago             ',
  );
  assert.equal(
    lines[2],
    'ajb0izqlss6x    \\_ web.1   nginx:latest   stubhost   Shutdown        Shutdown 22 seconds ago                    ',
  );
});

const node: Node = {
  ID: '1froob76kzb32b0tp1y4ct2vq',
  Version: { Index: 12 },
  CreatedAt: '2026-11-24T18:07:22.126Z',
  Spec: { Labels: {}, Role: 'manager', Availability: 'active' },
  Description: {
    Hostname: 'stubhost',
    Platform: { Architecture: 'x86_64', OS: 'linux' },
    Resources: { NanoCPUs: 4e9, MemoryBytes: 8589934592 },
    Engine: {
      EngineVersion: '28.2.2',
      Plugins: [
        { Type: 'Log', Name: 'json-file' },
        { Type: 'Network', Name: 'overlay' },
        { Type: 'Volume', Name: 'local' },
      ],
    },
    TLSInfo: {
      TrustRoot: '-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n',
      CertIssuerSubject: 'MBMxETAPBgNVBAMTCHN3YXJtLWNh',
      CertIssuerPublicKey: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE',
    },
  },
  Status: { State: 'ready', Addr: '127.0.0.1' },
  ManagerStatus: { Leader: true, Reachability: 'reachable', Addr: '127.0.0.1:2377' },
};

test('node ls marks the current node and the leader', () => {
  const out = buffer();
  const worker: Node = {
    ...node,
    ID: 'esd5apdq5orpfi6qczvrx4ano',
    Description: { ...node.Description, Hostname: 'worker1' },
  };
  delete worker.ManagerStatus;
  writeFormatted(out, nodeListFormat('table', false), nodeHeader, [
    new NodeContext(node, { NodeID: node.ID }),
    new NodeContext(worker, { NodeID: node.ID }),
  ]);
  assert.equal(
    out.text,
    'ID                            HOSTNAME   STATUS    AVAILABILITY   MANAGER STATUS   ENGINE VERSION\n' +
      '1froob76kzb32b0tp1y4ct2vq *   stubhost   Ready     Active         Leader           28.2.2\n' +
      'esd5apdq5orpfi6qczvrx4ano     worker1    Ready     Active                          28.2.2\n',
  );
});

test('node inspect --pretty renders docker pretty template', () => {
  const text = `${parseTemplate(nodeInspectPrettyTemplate).execute(new NodeInspectContext(node))}\n`;
  assert.equal(
    text,
    [
      'ID:\t\t\t1froob76kzb32b0tp1y4ct2vq',
      'Hostname:              \tstubhost',
      'Joined at:             \t2026-11-24 18:07:22.126 +0000 utc',
      'Status:',
      ' State:\t\t\tReady',
      ' Availability:         \tActive',
      ' Address:\t\t127.0.0.1',
      'Manager Status:',
      ' Address:\t\t127.0.0.1:2377',
      ' Raft Status:\t\tReachable',
      ' Leader:\t\tYes',
      'Platform:',
      ' Operating System:\tlinux',
      ' Architecture:\t\tx86_64',
      'Resources:',
      ' CPUs:\t\t\t4',
      ' Memory:\t\t8GiB',
      'Plugins:',
      ' Log:\t\tjson-file',
      ' Network:\t\toverlay',
      ' Volume:\t\tlocal',
      'Engine Version:\t\t28.2.2',
      'TLS Info:',
      ' TrustRoot:',
      '-----BEGIN CERTIFICATE-----',
      '...',
      '-----END CERTIFICATE-----',
      '',
      ' Issuer Subject:\tMBMxETAPBgNVBAMTCHN3YXJtLWNh',
      ' Issuer Public Key:\tMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE',
      '',
    ].join('\n'),
  );
});

test('docker ps rows quote and shorten the command', () => {
  const out = buffer();
  const container = {
    Id: 'xaw5n9wedwoyaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    Names: ['/web.1.wwnhc7z1j3amcs4d83z5zwvfx'],
    Image: 'nginx:latest@sha256:28327d2d1d8875964c0e44e38f1f7e86c329f8be9e1bb5857c7f9a0ea4f6707b',
    Command: '/docker-entrypoint.sh nginx -g daemon off;',
    Created: (now - 11_000) / 1000,
    Status: 'Up 5 seconds',
    Ports: [],
  };
  writeFormatted(out, defaultContainerTableFormat, containerHeader, [
    new ContainerContext(container, true, now),
  ]);
  assert.equal(
    out.text,
    'CONTAINER ID   IMAGE          COMMAND                  CREATED          STATUS         PORTS     NAMES\n' +
      'xaw5n9wedwoy   nginx:latest   "/docker-entrypoint.…"   11 seconds ago   Up 5 seconds             web.1.wwnhc7z1j3amcs4d83z5zwvfx\n',
  );
  assert.equal(
    displayablePorts([
      { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 80, Type: 'tcp' },
      { IP: '0.0.0.0', PrivatePort: 81, PublicPort: 81, Type: 'tcp' },
      { PrivatePort: 443, Type: 'tcp' },
      { IP: '::', PrivatePort: 22, PublicPort: 2222, Type: 'tcp' },
    ]),
    '0.0.0.0:80-81->80-81/tcp, 443/tcp, [::]:2222->22/tcp',
  );
});

test('inspect prints raw JSON indented, [] when nothing was found, and templates per object', async () => {
  const out = buffer();
  const objects: Record<string, string> = {
    a: '{"ID":"a","Spec":{"Name":"x","Labels":{}}}',
    b: '{"ID":"b"}',
  };
  const lookup = async (ref: string) => {
    if (!objects[ref]) throw new Error(`Error: no such secret: ${ref}`);
    return { value: JSON.parse(objects[ref]!), raw: objects[ref] };
  };
  await inspectObjects(out, ['a', 'b'], '', lookup);
  assert.equal(
    out.text,
    '[\n    {\n        "ID": "a",\n        "Spec": {\n            "Name": "x",\n            "Labels": {}\n        }\n    },\n    {\n        "ID": "b"\n    }\n]\n',
  );
  const missing = buffer();
  await assert.rejects(inspectObjects(missing, ['zz'], '', lookup), {
    status: 'Error: no such secret: zz',
    code: 1,
  });
  assert.equal(missing.text, '[]\n');
  const templated = buffer();
  await assert.rejects(inspectObjects(templated, ['a', 'b'], '{{.Spec.Name}}', lookup), {
    status:
      'template parsing error: template: :1:7: executing "" at <.Spec.Name>: map has no entry for key "Spec"',
  });
  assert.equal(templated.text, 'x\n');
});

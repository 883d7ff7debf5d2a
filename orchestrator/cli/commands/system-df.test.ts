import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeVerbose } from './system-df-run.js';

const now = Date.now();
const usage = {
  LayersSize: 200_000_000,
  Images: [
    {
      Id: 'sha256:4d1b1bbd2f4bbd25c5d1ab4a82a3f0bb44b0c8e2cbe3dd0b6e3e2e6a1c5a7c9d',
      ParentId: '',
      RepoTags: ['nginx:latest'],
      RepoDigests: ['nginx@sha256:aaaa'],
      Created: Math.floor(now / 1000) - 3 * 86400,
      Size: 192_000_000,
      SharedSize: 0,
      Containers: 1,
      Labels: {},
    },
    {
      Id: 'sha256:9c7a54a9a43cca047013b82af109fe963fde787f63f9e016fdc3384500c2823d',
      ParentId: '',
      RepoTags: [],
      RepoDigests: [],
      Created: Math.floor(now / 1000) - 7200,
      Size: 8_000_000,
      SharedSize: -1,
      Containers: 0,
      Labels: {},
    },
  ],
  Containers: [
    {
      Id: '6bfb76bd49739ac66e8ad8140396641eade66488fc0650641f79adb5cb1114c1',
      Names: ['/web.1.x'],
      Image: 'nginx:latest',
      ImageID: 'sha256:4d1b',
      Command: '/docker-entrypoint.sh nginx -g daemon off;',
      Created: Math.floor(now / 1000) - 60,
      State: 'running',
      Status: 'Up About a minute',
      SizeRw: 1988,
      SizeRootFs: 192_000_000,
      Mounts: [],
      Ports: [],
      Labels: {},
    },
  ],
  Volumes: [
    {
      Name: 'data',
      Driver: 'local',
      Mountpoint: '/var/lib/docker/volumes/data/_data',
      Scope: 'local',
      Labels: {},
      Options: {},
      UsageData: { Size: 1_500_000, RefCount: 2 },
    },
  ],
  BuildCache: [],
};

function render(format: string): string {
  let text = '';
  writeVerbose(
    { write: (t: string) => void (text += t), isTerminal: false, columns: 0 },
    usage as never,
    format,
  );
  return text;
}

test('system df -v prints a table per object type, as docker', () => {
  assert.equal(
    render('table'),
    'Images space usage:\n\n' +
      'REPOSITORY   TAG       IMAGE ID       CREATED       SIZE      SHARED SIZE   UNIQUE SIZE   CONTAINERS\n' +
      'nginx        latest    4d1b1bbd2f4b   3 days ago    192MB     0B            192MB         1\n' +
      '<none>       <none>    9c7a54a9a43c   2 hours ago   8MB       N/A           N/A           0\n' +
      '\nContainers space usage:\n\n' +
      'CONTAINER ID   IMAGE          COMMAND                  LOCAL VOLUMES   SIZE      CREATED              STATUS              NAMES\n' +
      '6bfb76bd4973   nginx:latest   "/docker-entrypoint.…"   0               1.99kB    About a minute ago   Up About a minute   web.1.x\n' +
      '\nLocal Volumes space usage:\n\n' +
      'VOLUME NAME   LINKS     SIZE\n' +
      'data          2         1.5MB\n' +
      '\nBuild cache usage: 0B\n\n' +
      'CACHE ID   CACHE TYPE   SIZE      CREATED   LAST USED   USAGE     SHARED\n',
  );
});

test('system df -v with a template runs it once over all the objects', () => {
  assert.equal(
    render('{{range .Images}}{{.Repository}} {{end}}{{len .Volumes}} {{range .Containers}}{{.Size}}{{end}}'),
    'nginx <none> 1 1.99kB',
  );
});

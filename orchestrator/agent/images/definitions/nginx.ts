import type { ImageDefinition } from '../types.js';
import { baseFiles, defaultPath } from './base.js';

const nginxConf = `user  nginx;
worker_processes  auto;

error_log  /var/log/nginx/error.log notice;
pid        /var/run/nginx.pid;

events {
    worker_connections  1024;
}

http {
    include       /etc/nginx/mime.types;
    default_type  application/octet-stream;
    access_log  /var/log/nginx/access.log  main;
    sendfile        on;
    keepalive_timeout  65;
    include /etc/nginx/conf.d/*.conf;
}
`;

const defaultConf = `server {
    listen       80;
    listen  [::]:80;
    server_name  localhost;

    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }

    error_page   500 502 503 504  /50x.html;
    location = /50x.html {
        root   /usr/share/nginx/html;
    }
}
`;

const indexHtml = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto; font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>This nginx runs as a swarmlab built-in image: put your own server blocks in
<tt>/etc/nginx/conf.d/</tt> (for example from a Docker secret).</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
`;

const errorHtml = `<!DOCTYPE html>
<html>
<head>
<title>Error</title>
</head>
<body>
<h1>An error occurred.</h1>
<p>Sorry, the page you are looking for is currently unavailable.<br/>
Please try again later.</p>
</body>
</html>
`;

function nginx(
  tags: string[],
  version: string,
  flavour: 'debian' | 'alpine',
  created: string,
): ImageDefinition {
  const release = flavour === 'alpine' ? '1' : '1~bookworm';
  return {
    repository: 'nginx',
    tags,
    version: '1',
    created,
    size: flavour === 'alpine' ? 47_983_468 : 192_004_242,
    config: {
      Env: [defaultPath, `NGINX_VERSION=${version}`, 'NJS_VERSION=0.8.9', `PKG_RELEASE=${release}`],
      Entrypoint: ['/docker-entrypoint.sh'],
      Cmd: ['nginx', '-g', 'daemon off;'],
      ExposedPorts: { '80/tcp': {} },
      StopSignal: 'SIGQUIT',
      Labels: { maintainer: 'NGINX Docker Maintainers <docker-maint@nginx.com>' },
    },
    files: {
      ...baseFiles(flavour, flavour === 'alpine' ? '3.21.3' : '12.9'),
      '/etc/nginx/nginx.conf': nginxConf,
      '/etc/nginx/conf.d/default.conf': defaultConf,
      '/usr/share/nginx/html/index.html': indexHtml,
      '/usr/share/nginx/html/50x.html': errorHtml,
      '/docker-entrypoint.d/': '',
      '/var/log/nginx/': '',
      '/var/cache/nginx/': '',
    },
    binaries: { '/docker-entrypoint.sh': 'nginx-entrypoint', '/usr/sbin/nginx': 'nginx' },
  };
}

/**
 * nginx: the welcome page on 80, or the `server` blocks of `/etc/nginx/conf.d/*.conf` (static roots and
 * `proxy_pass`). `nginx:2` is not a real upstream tag: the update exercises of Docker's docs use it.
 */
export const nginxImages: ImageDefinition[] = [
  nginx(['1.27.4', 'latest', '1.27', '1', 'mainline'], '1.27.4', 'debian', '2025-02-05T21:27:16Z'),
  nginx(
    ['1.27.4-alpine', 'alpine', '1.27-alpine', 'mainline-alpine'],
    '1.27.4',
    'alpine',
    '2025-02-05T21:27:16Z',
  ),
  nginx(['1.25.5', '1.25'], '1.25.5', 'debian', '2024-04-16T20:01:13Z'),
  nginx(['1.25.5-alpine', '1.25-alpine'], '1.25.5', 'alpine', '2024-04-16T20:01:13Z'),
  nginx(['2'], '2.0.0', 'debian', '2025-03-01T12:00:00Z'),
];

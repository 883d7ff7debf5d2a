import type { ImageFile } from '../types.js';

/** The PATH every image sets. */
export const defaultPath = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const passwd = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/sbin/nologin
bin:x:2:2:bin:/bin:/sbin/nologin
nobody:x:65534:65534:nobody:/:/sbin/nologin
`;

const group = `root:x:0:root
daemon:x:1:root,bin,daemon
bin:x:2:root,bin,daemon
nogroup:x:65534:
`;

/** Files of the base distribution an image builds on. */
export function baseFiles(
  os: 'alpine' | 'debian' | 'busybox',
  release: string,
): Record<string, ImageFile | string> {
  const common = {
    '/etc/passwd': passwd,
    '/etc/group': group,
    '/etc/shells': '/bin/sh\n/bin/ash\n',
    '/root/': '',
    '/tmp/': { data: '', mode: 0o1777 },
    '/var/log/': '',
    '/usr/local/bin/': '',
  };
  if (os === 'busybox') return common;
  if (os === 'alpine') {
    return {
      ...common,
      '/etc/alpine-release': `${release}\n`,
      '/etc/os-release': `NAME="Alpine Linux"\nID=alpine\nVERSION_ID=${release}\nPRETTY_NAME="Alpine Linux v${release.split('.').slice(0, 2).join('.')}"\nHOME_URL="https://alpinelinux.org/"\n`,
    };
  }
  return {
    ...common,
    '/etc/debian_version': `${release}\n`,
    '/etc/os-release': `PRETTY_NAME="Debian GNU/Linux ${release.split('.')[0]} (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="${release.split('.')[0]}"\nID=debian\nHOME_URL="https://www.debian.org/"\n`,
  };
}

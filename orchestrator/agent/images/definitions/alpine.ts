import type { ImageDefinition } from '../types.js';
import { baseFiles, defaultPath } from './base.js';

function alpine(release: string, tags: string[], created: string, size: number): ImageDefinition {
  return {
    repository: 'alpine',
    tags,
    version: '1',
    created,
    size,
    config: { Env: [defaultPath], Cmd: ['/bin/sh'], WorkingDir: '/' },
    files: baseFiles('alpine', release),
    binaries: {},
  };
}

function busybox(release: string, tags: string[], created: string, size: number): ImageDefinition {
  return {
    repository: 'busybox',
    tags,
    version: '1',
    created,
    size,
    config: { Env: [defaultPath], Cmd: ['sh'] },
    files: baseFiles('busybox', release),
    binaries: {},
  };
}

/** alpine and busybox: the built-in `sh` and its utilities, nothing else. */
export const alpineImages: ImageDefinition[] = [
  alpine('3.21.3', ['3.21', 'latest', '3', '3.21.3'], '2025-02-14T03:28:36Z', 7_834_471),
  alpine('3.20.6', ['3.20', '3.20.6'], '2025-02-14T03:28:23Z', 7_797_760),
  alpine('3.19.7', ['3.19', '3.19.7'], '2025-02-14T03:28:11Z', 7_382_528),
  busybox('1.37.0', ['1.37', 'latest', '1', '1.37.0'], '2024-09-26T21:31:42Z', 4_268_730),
  busybox('1.36.1', ['1.36', '1.36.1'], '2024-09-26T21:31:40Z', 4_261_550),
];

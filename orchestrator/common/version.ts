import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './package-root.js';

/** swarmlab's own version, read once from the package manifest. */
export const swarmlabVersion: string = (
  JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }
).version;

/** The Docker Engine API version every node speaks. */
export const apiVersion = '1.47';
/** The oldest API version a client may ask for (as Docker's minimum). */
export const minApiVersion = '1.24';
/** The Docker Engine version swarmd reports, so the docker CLI formats as for a real engine. */
export const engineVersion = '28.2.2';

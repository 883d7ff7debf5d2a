import { fileURLToPath } from 'node:url';

/**
 * The package's root directory. This module sits three levels below it, in `dist/orchestrator/common/` as in
 * the bundles of `dist/bundles/<name>/`, so the same relative path holds for both.
 */
export const packageRoot: string = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');

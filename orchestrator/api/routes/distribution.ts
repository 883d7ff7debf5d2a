import { canonicalJson, resolveImage } from '../../agent/images/catalog.js';
import { InvalidReferenceError, parseImageReference } from '../../agent/images/reference.js';
import type { BuiltinImage } from '../../agent/images/types.js';
import type { DistributionInspect } from '../engine-types.js';
import { badRequest, notFound } from '../errors.js';
import type { Router } from '../router.js';
import { registerNamePaths } from './images.js';

/** The manifest a registry would serve for a built-in image: its size goes into the descriptor. */
function manifestSize(image: BuiltinImage): number {
  return Buffer.byteLength(
    canonicalJson({
      name: image.repository,
      tag: image.tags[0],
      config: image.config,
      version: image.version,
    }),
  );
}

/** What `GET /distribution/{name}/json` answers for a built-in image (the CLI pins services to `digest`). */
export function distributionInspect(image: BuiltinImage): DistributionInspect {
  return {
    Descriptor: {
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      digest: image.digest,
      size: manifestSize(image),
    },
    Platforms: [{ architecture: 'amd64', os: 'linux' }],
  };
}

/**
 * `GET /distribution/{name}/json`: the "registry" is swarmlab's catalog of built-in images. An unknown name
 * answers as a registry does for a missing manifest; `docker service create` then warns and goes on, and the
 * task is rejected with `No such image` on the node.
 */
export function registerDistributionRoutes(router: Router): void {
  registerNamePaths(router, '/distribution', 'json', (name) => {
    let image: BuiltinImage | undefined;
    try {
      const ref = parseImageReference(name);
      image = resolveImage(name);
      if (!image) {
        const shown = `${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
        throw notFound(
          `manifest for ${shown} not found: manifest unknown: this lab has no registry; its built-in images are listed by "docker image ls"`,
        );
      }
    } catch (error) {
      if (error instanceof InvalidReferenceError) throw badRequest(error.message);
      throw error;
    }
    return distributionInspect(image);
  });
}

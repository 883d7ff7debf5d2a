import type { ImageConfig } from '../../api/engine-types.js';

/** A file an image ships in its root filesystem. */
export interface ImageFile {
  data: string;
  /** Unix permission bits; 0o644 when omitted. */
  mode?: number;
}

/**
 * One built-in image, as written by hand: what `docker image inspect` shows (config, size, dates), the files
 * of its root overlay, and which built-in program runs for each executable path it ships.
 */
export interface ImageDefinition {
  /** Familiar repository name: `nginx`, `dockersamples/visualizer`. */
  repository: string;
  /** Tags naming this image; the first is its primary tag (hashed into the digest), the rest are aliases. */
  tags: string[];
  /** Bumped whenever the image's behaviour changes, so its digest changes with it. */
  version: string;
  /** RFC 3339 creation date shown by `docker image inspect`. */
  created: string;
  /** A plausible size in bytes (what the real image weighs). */
  size: number;
  config: ImageConfig;
  /** Absolute container path -> content. Directories end with `/` and have no data. */
  files: Record<string, ImageFile | string>;
  /**
   * Executables the image ships beyond the busybox-like base set: absolute path -> program id (see
   * `runtime/programs.ts`). A bare name (`nginx`) in a command finds the path whose basename matches.
   */
  binaries: Record<string, string>;
}

/** A catalog image with its identities. */
export interface BuiltinImage extends ImageDefinition {
  /** `sha256:<hex>` image id (over its name, primary tag, config, files and version), as `docker images` shows it. */
  id: string;
  /** `sha256:<hex>` manifest digest (name, primary tag, config, version): what `name@digest` pins. */
  digest: string;
}

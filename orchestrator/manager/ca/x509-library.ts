import { webcrypto } from 'node:crypto';

type X509Library = typeof import('@peculiar/x509');
type PeculiarCrypto = Parameters<X509Library['cryptoProvider']['set']>[0];

let loading: Promise<X509Library> | undefined;

/**
 * @peculiar/x509, imported on first use: it costs about 100 ms to load and only the functions that create
 * certificates or CSRs need it, so a restarting swarmd that already has its certificate never pays for it.
 */
export function loadX509(): Promise<X509Library> {
  loading ??= (async () => {
    // @peculiar/x509 registers its parsers with tsyringe, which needs the Reflect metadata API.
    await import('reflect-metadata');
    const imported: X509Library & { default?: X509Library } = await import('@peculiar/x509');
    // Bundled (bin/swarmd.js), the CommonJS module's exports arrive as `default` only.
    const library = imported.cryptoProvider ? imported : (imported.default as X509Library);
    library.cryptoProvider.set(nodeCrypto);
    return library;
  })();
  return loading;
}

/** Node's WebCrypto, typed as @peculiar/x509 wants it. */
export const nodeCrypto = webcrypto as unknown as PeculiarCrypto;

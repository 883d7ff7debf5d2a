// The cluster's security primitives, as SwarmKit's ca/ package: root CA, node certificates, join tokens,
// renewal, key storage with autolock, and mutual-TLS options.
export * from './join-token.js';
export * from './key-store.js';
export * from './node-certificate.js';
export * from './pinning.js';
export * from './renewal.js';
export * from './roles.js';
export * from './root-ca.js';
export * from './tls-info.js';
export * from './tls-options.js';
export * from './unlock-key.js';

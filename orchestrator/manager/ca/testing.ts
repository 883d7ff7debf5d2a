// Test fixtures shared by this package's tests (real keys and certificates, made once per test file).
import { createNodeKeyAndCsr, DEFAULT_NODE_CERT_EXPIRY_MS, signNodeCertificate } from './node-certificate.js';
import type { NodeRole } from './roles.js';
import { createRootCA, type RootCA } from './root-ca.js';
import type { NodeTlsCredentials } from './tls-options.js';

/** A node's credentials as a test uses them. */
export interface TestNode extends NodeTlsCredentials {
  nodeId: string;
}

/** Issues a certificate for a new node key of `rootCA`. */
export async function issueTestNode(
  rootCA: RootCA,
  nodeId: string,
  role: NodeRole,
  options: { clusterId?: string; expiryMs?: number; now?: Date } = {},
): Promise<TestNode> {
  const { keyPem, csrPem } = await createNodeKeyAndCsr();
  const certPem = await signNodeCertificate({
    rootCA,
    csrPem,
    nodeId,
    role,
    clusterId: options.clusterId ?? 'cluster0000000000000000001',
    expiryMs: options.expiryMs ?? DEFAULT_NODE_CERT_EXPIRY_MS,
    now: options.now,
  });
  return { nodeId, certPem, keyPem, rootCertPem: rootCA.certPem };
}

/** A root CA with one manager and one worker. */
export async function createTestCluster(): Promise<{ rootCA: RootCA; manager: TestNode; worker: TestNode }> {
  const rootCA = await createRootCA();
  const manager = await issueTestNode(rootCA, 'manager000000000000000001', 'manager');
  const worker = await issueTestNode(rootCA, 'worker0000000000000000001', 'worker');
  return { rootCA, manager, worker };
}

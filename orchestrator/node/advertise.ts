import { badRequest } from '../api/errors.js';

/**
 * The node's cluster address, checked against what the user asked for. A lab node listens and advertises on
 * its own address only (`swarmd --addr`); another advertise address cannot work, so it is refused with a hint.
 */
export function clusterAddress(nodeAddr: string, clusterPort: number, requested: string): string {
  const own = `${nodeAddr}:${clusterPort}`;
  if (!requested) return own;
  const [host, port] = requested.includes(':') ? requested.split(':') : [requested, String(clusterPort)];
  if (host !== nodeAddr || Number(port) !== clusterPort) {
    throw badRequest(
      `advertise address must be this node's address ${own} (swarmd --addr); got ${requested}. ` +
        `Use "--advertise-addr ${nodeAddr}"`,
    );
  }
  return own;
}

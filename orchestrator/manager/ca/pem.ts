/** One PEM block: its type (`CERTIFICATE`, `PRIVATE KEY`, ...), RFC 1421 headers and DER body. */
export interface PemBlock {
  type: string;
  headers: Record<string, string>;
  der: Buffer;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Every PEM block in `text`, in order. Throws on a block whose body is not base64. */
export function decodePem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const type = match[1]!;
    const lines = match[2]!.split(/\r?\n/);
    const headers: Record<string, string> = {};
    const separator = lines.indexOf('');
    if (separator > 0 && lines.slice(0, separator).every((line) => line.includes(':'))) {
      for (const line of lines.splice(0, separator + 1).slice(0, -1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
      }
    }
    const body = lines.join('').trim();
    if (!BASE64.test(body)) throw new Error(`PEM block ${type} is not valid base64`);
    blocks.push({ type, headers, der: Buffer.from(body, 'base64') });
  }
  return blocks;
}

/** Encodes one PEM block, with optional headers (as SwarmKit keeps `kek-version` on its keys). */
export function encodePem(type: string, der: Uint8Array, headers: Record<string, string> = {}): string {
  const names = Object.keys(headers);
  for (const name of names) {
    if (!/^[A-Za-z0-9-]+$/.test(name) || /[\r\n]/.test(headers[name]!)) {
      throw new Error(`invalid PEM header ${JSON.stringify(name)}`);
    }
  }
  const head = names.length > 0 ? `${names.map((name) => `${name}: ${headers[name]}`).join('\n')}\n\n` : '';
  const body = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${type}-----\n${head}${body}\n-----END ${type}-----\n`;
}

/** The DER of every CERTIFICATE block in `pem`, leaf first. */
export function certificatesDer(pem: string): Buffer[] {
  return decodePem(pem)
    .filter((block) => block.type === 'CERTIFICATE')
    .map((block) => block.der);
}

/** The first certificate of a PEM bundle; throws a clear error when there is none. */
export function firstCertificateDer(pem: string, what = 'certificate'): Buffer {
  const [der] = certificatesDer(pem);
  if (!der) throw new Error(`${what} is not a PEM-encoded certificate`);
  return der;
}

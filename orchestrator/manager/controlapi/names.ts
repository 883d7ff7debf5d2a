/** Random service names for services created without one, in Docker's `adjective_surname` style. */
import { randomInt } from 'node:crypto';

const adjectives = [
  'brave',
  'calm',
  'clever',
  'eager',
  'fervent',
  'gentle',
  'happy',
  'jolly',
  'keen',
  'lucid',
  'merry',
  'nimble',
  'patient',
  'quiet',
  'relaxed',
  'serene',
  'sharp',
  'steady',
  'tender',
  'vibrant',
  'wise',
  'witty',
  'zealous',
  'bold',
  'cheerful',
  'daring',
  'elegant',
  'focused',
  'gracious',
  'humble',
];

const surnames = [
  'babbage',
  'bardeen',
  'curie',
  'darwin',
  'euler',
  'faraday',
  'franklin',
  'galileo',
  'hamilton',
  'hopper',
  'hypatia',
  'johnson',
  'kepler',
  'lamarr',
  'lovelace',
  'maxwell',
  'meitner',
  'newton',
  'noether',
  'pascal',
  'ritchie',
  'shannon',
  'thompson',
  'turing',
  'volta',
  'wozniak',
  'yalow',
  'zuse',
  'goldberg',
  'liskov',
];

/** A random `adjective_surname` name that `taken` does not know. */
export function randomServiceName(taken: (name: string) => boolean): string {
  for (let attempt = 0; ; attempt++) {
    const name = `${adjectives[randomInt(adjectives.length)]}_${surnames[randomInt(surnames.length)]}`;
    const candidate = attempt < 10 ? name : `${name}${randomInt(10, 100)}`;
    if (!taken(candidate)) return candidate;
  }
}

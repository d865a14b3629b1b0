// High-entropy tokens: machine ids, UUIDs, keys, salts, build ids, generated fresh by every build.
// Recognised by shape and entropy, never by which file they sit in.
import { entropy, maskMatches, type TextDetector } from './mask.js';

const PEM = '-----BEGIN (?<pem>[A-Z0-9 ]+)-----[\\s\\S]*?-----END \\k<pem>-----';
const SSH = '(?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-nistp\\d+|sk-ssh-ed25519@openssh\\.com) AAAA[A-Za-z0-9+/]+=*';
const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const HEX = '[0-9a-fA-F]{16,}';
const B64 = '[A-Za-z0-9+/_-]{20,}={0,2}';

const RE = new RegExp(
  `(?<![A-Za-z0-9+/_-])(?:(${PEM})|(${SSH})|(${UUID})|(${HEX})|(${B64}))(?![A-Za-z0-9+/_=-])`,
  'g',
);

/** Random base64 has upper, lower and digits and ~4+ bits per character; words and paths do not. */
function looksRandom(token: string): boolean {
  const body = token.replace(/=+$/, '');
  return /[A-Z]/.test(body) && /[a-z]/.test(body) && /\d/.test(body) && entropy(body) >= 3.5;
}

function kindOf(match: string): string | null {
  if (match.startsWith('-----BEGIN')) return `PEM ${/-----BEGIN ([A-Z0-9 ]+)-----/.exec(match)?.[1] ?? ''} block`;
  if (/^(ssh-|ecdsa-|sk-ssh)/.test(match)) return 'ssh key';
  if (new RegExp(`^${UUID}$`).test(match)) return 'UUID';
  if (new RegExp(`^${HEX}$`).test(match)) {
    // All-decimal runs are numbers (sizes, counters), not hex ids.
    return /[a-fA-F]/.test(match) ? `${match.length}-hex token` : null;
  }
  return looksRandom(match) ? 'base64 token' : null;
}

export const randomIdDetector: TextDetector = {
  category: 'random-id',
  mask: (text) => maskMatches(text, new RegExp(RE.source, 'g'), kindOf, '\u0000ID\u0000'),
};

/**
 * Which Memcached server holds a key, chosen exactly as Django's `PyMemcacheCache` chooses it
 * (pymemcache's `HashClient` with its default `RendezvousHash`), so that coatcheck and Django
 * sharing several servers look for a session on the same one.
 *
 * Rendezvous (highest random weight) hashing: every server scores the key with
 * MurmurHash3 (32-bit, seed 0) of `"<server>-<key>"`, and the highest score wins; a tie goes
 * to the greater server name. Adding or removing a server moves only the keys it wins or
 * held, as consistent hashing does.
 *
 * @module
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/**
 * MurmurHash3 x86 32-bit of `text`, as pymemcache computes it: over the low byte of each
 * UTF-16 code unit (pymemcache reads `ord()` of each character of a `str`; every key Django
 * and coatcheck build is ASCII, where that is the UTF-8 byte).
 */
export function murmur3(text: string, seed = 0): number {
  const length = text.length;
  const byte = (index: number) => text.charCodeAt(index) & 0xff;
  let h1 = seed >>> 0;
  const rounded = length & ~3;
  for (let i = 0; i < rounded; i += 4) {
    let k1 = byte(i) | (byte(i + 1) << 8) | (byte(i + 2) << 16) | (byte(i + 3) << 24);
    k1 = Math.imul(k1, C1);
    k1 = (k1 << 15) | (k1 >>> 17);
    k1 = Math.imul(k1, C2);
    h1 ^= k1;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
  }
  const tail = length & 3;
  if (tail > 0) {
    let k1 = 0;
    if (tail === 3) k1 ^= byte(rounded + 2) << 16;
    if (tail >= 2) k1 ^= byte(rounded + 1) << 8;
    k1 ^= byte(rounded);
    k1 = Math.imul(k1, C1);
    k1 = (k1 << 15) | (k1 >>> 17);
    k1 = Math.imul(k1, C2);
    h1 ^= k1;
  }
  h1 ^= length;
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  return h1 >>> 0;
}

/**
 * The server, of `nodes` (pymemcache's names: `host:port`, or a socket path), that holds `key`.
 * `nodes` must not be empty.
 */
export function rendezvousNode(nodes: readonly string[], key: string): string {
  let winner = '';
  let high = -1;
  for (const node of nodes) {
    const score = murmur3(`${node}-${key}`);
    if (score > high || (score === high && node > winner)) {
      high = score;
      winner = node;
    }
  }
  return winner;
}

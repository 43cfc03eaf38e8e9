// Which IP addresses an outgoing request may reach: only public unicast ones. Private, loopback,
// link-local, CGNAT, multicast, unique-local, documentation and mapped/translated forms are refused.
import { isIP } from 'node:net';

/** Why an address is refused, or null when it is a public unicast address. */
export type AddressClass =
  | 'unspecified' | 'loopback' | 'private' | 'link-local' | 'cgnat' | 'multicast' | 'broadcast'
  | 'reserved' | 'documentation' | 'benchmark' | 'unique-local' | 'site-local' | 'mapped' | 'invalid';

interface Range4 { readonly base: number; readonly bits: number; readonly kind: AddressClass }

const v4 = (a: number, b: number, c: number, d: number): number => ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;

const RANGES_4: readonly Range4[] = [
  { base: v4(0, 0, 0, 0), bits: 8, kind: 'unspecified' },
  { base: v4(10, 0, 0, 0), bits: 8, kind: 'private' },
  { base: v4(100, 64, 0, 0), bits: 10, kind: 'cgnat' },
  { base: v4(127, 0, 0, 0), bits: 8, kind: 'loopback' },
  { base: v4(169, 254, 0, 0), bits: 16, kind: 'link-local' },
  { base: v4(172, 16, 0, 0), bits: 12, kind: 'private' },
  { base: v4(192, 0, 0, 0), bits: 24, kind: 'reserved' },
  { base: v4(192, 0, 2, 0), bits: 24, kind: 'documentation' },
  { base: v4(192, 88, 99, 0), bits: 24, kind: 'reserved' },
  { base: v4(192, 168, 0, 0), bits: 16, kind: 'private' },
  { base: v4(198, 18, 0, 0), bits: 15, kind: 'benchmark' },
  { base: v4(198, 51, 100, 0), bits: 24, kind: 'documentation' },
  { base: v4(203, 0, 113, 0), bits: 24, kind: 'documentation' },
  { base: v4(224, 0, 0, 0), bits: 4, kind: 'multicast' },
  { base: v4(240, 0, 0, 0), bits: 4, kind: 'reserved' },
  { base: v4(255, 255, 255, 255), bits: 32, kind: 'broadcast' },
];

function parse4(ip: string): number | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    n = n * 256 + Number(p);
  }
  return n;
}

function classify4(n: number): AddressClass | null {
  let hit: AddressClass | null = null;
  // The most specific range wins (255.255.255.255 is broadcast, not merely reserved).
  let bestBits = -1;
  for (const r of RANGES_4) {
    const mask = r.bits === 0 ? 0 : (0xffffffff << (32 - r.bits)) >>> 0;
    if (((n & mask) >>> 0) === ((r.base & mask) >>> 0) && r.bits > bestBits) {
      hit = r.kind;
      bestBits = r.bits;
    }
  }
  return hit;
}

/** The eight 16-bit groups of an IPv6 address (an embedded IPv4 tail is folded in); null if malformed. */
function parse6(ip: string): number[] | null {
  let text = ip.split('%')[0]!;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const n = parse4(tail[1]!);
    if (n === null) return null;
    text = text.slice(0, -tail[1]!.length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const read = (s: string): number[] | null => {
    if (s === '') return [];
    const groups = s.split(':');
    if (!groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null;
    return groups.map((g) => parseInt(g, 16));
  };
  const head = read(halves[0]!);
  const rest = halves.length === 2 ? read(halves[1]!) : [];
  if (!head || !rest) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - rest.length;
  if (missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...rest];
}

function classify6(g: readonly number[]): AddressClass | null {
  const [a, b, c, d, e, f, gg, h] = g as [number, number, number, number, number, number, number, number];
  if (g.every((x) => x === 0)) return 'unspecified';
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0 && f === 0 && gg === 0 && h === 1) return 'loopback';
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), 64:ff9b::/96 (NAT64), 2002::/16 (6to4):
  // each can reach an IPv4 address, so they are refused outright rather than unwrapped.
  if (a === 0 && b === 0 && c === 0 && d === 0 && (e === 0 || e === 0xffff)) return 'mapped';
  if (a === 0x64 && b === 0xff9b) return 'mapped';
  if (a === 0x2002) return 'mapped';
  if ((a & 0xfe00) === 0xfc00) return 'unique-local';
  if ((a & 0xffc0) === 0xfe80) return 'link-local';
  if ((a & 0xffc0) === 0xfec0) return 'site-local';
  if ((a & 0xff00) === 0xff00) return 'multicast';
  if (a === 0x2001 && b === 0x0db8) return 'documentation';
  // 2001::/23: IETF protocol assignments (Teredo 2001::/32 among them).
  if (a === 0x2001 && b < 0x0200) return 'reserved';
  if (a === 0x0100 && b === 0 && c === 0 && d === 0) return 'reserved'; // discard-only 100::/64
  // Only global unicast (2000::/3) is routable on the internet.
  if ((a & 0xe000) !== 0x2000) return 'reserved';
  return null;
}

/** Why `ip` may not be reached from the server, or null for a public unicast address. */
export function classifyAddress(ip: string): AddressClass | null {
  const family = isIP(ip.split('%')[0]!);
  if (family === 4) return classify4(parse4(ip)!);
  if (family === 6) {
    const groups = parse6(ip);
    return groups ? classify6(groups) : 'invalid';
  }
  return 'invalid';
}

/** True for a public unicast address, the only kind an outgoing request may reach by default. */
export const isPublicAddress = (ip: string): boolean => classifyAddress(ip) === null;

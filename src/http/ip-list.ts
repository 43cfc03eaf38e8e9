// Lists of addresses and CIDRs from settings (`excludedIPs`, `superuserIPs`) as one matcher.
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export interface IpList {
  readonly size: number;
  has(ip: string): boolean;
}

/** An address or CIDR as settings accept it, or null: `10.0.0.0/8`, `::1`, `2001:db8::/32`. */
function parseEntry(entry: string): { address: string; bits: number | null; type: 'ipv4' | 'ipv6' } | null {
  const match = /^([^/\s]+)(?:\/(\d{1,3}))?$/.exec(entry.trim());
  if (!match) return null;
  const address = match[1]!;
  const type = isIPv6(address) ? 'ipv6' : isIPv4(address) ? 'ipv4' : null;
  if (!type) return null;
  const bits = match[2] === undefined ? null : Number(match[2]);
  if (bits !== null && bits > (type === 'ipv4' ? 32 : 128)) return null;
  return { address, bits, type };
}

/** The entries that are not an address or CIDR (settings refuse them). */
export function invalidIpEntries(entries: readonly string[]): string[] {
  return entries.filter((entry) => parseEntry(entry) === null);
}

/**
 * Entries that do not parse match nothing; settings refuse them, so none are stored, but a list
 * with entries none of which parse still counts as configured (`size` > 0, matching nothing),
 * so an allow-list never opens up by mistake.
 */
export function ipList(entries: readonly string[]): IpList {
  const list = new BlockList();
  for (const entry of entries) {
    const parsed = parseEntry(entry);
    if (!parsed) continue;
    if (parsed.bits === null) list.addAddress(parsed.address, parsed.type);
    else list.addSubnet(parsed.address, parsed.bits, parsed.type);
  }
  const size = entries.length;
  return {
    size,
    has: (ip) => size > 0 && list.check(ip, isIPv6(ip) ? 'ipv6' : 'ipv4'),
  };
}

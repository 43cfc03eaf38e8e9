// Lists of addresses and CIDRs from settings (`excludedIPs`, `superuserIPs`) as one matcher.
import { BlockList, isIPv6 } from 'node:net';

export interface IpList {
  readonly size: number;
  has(ip: string): boolean;
}

/** Entries that do not parse match nothing (settings are validated as text only). */
export function ipList(entries: readonly string[]): IpList {
  const list = new BlockList();
  let size = 0;
  for (const entry of entries) {
    const [address = '', bits] = entry.trim().split('/');
    const type = isIPv6(address) ? 'ipv6' : 'ipv4';
    try {
      if (bits === undefined) list.addAddress(address, type);
      else list.addSubnet(address, Number(bits), type);
      size++;
    } catch {
      // Not an address: ignored.
    }
  }
  return {
    size,
    has: (ip) => size > 0 && list.check(ip, isIPv6(ip) ? 'ipv6' : 'ipv4'),
  };
}

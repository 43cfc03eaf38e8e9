// Address classification only: nothing here connects anywhere.
import { describe, expect, it } from 'vitest';
import { classifyAddress, isPublicAddress } from './address.js';

describe('classifyAddress', () => {
  it.each([
    ['0.0.0.0', 'unspecified'], ['127.0.0.1', 'loopback'], ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'], ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'], ['100.64.0.1', 'cgnat'], ['100.127.255.255', 'cgnat'],
    ['224.0.0.1', 'multicast'], ['239.255.255.250', 'multicast'], ['255.255.255.255', 'broadcast'], ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'documentation'], ['198.51.100.1', 'documentation'], ['203.0.113.9', 'documentation'], ['198.18.0.1', 'benchmark'],
    ['192.0.0.8', 'reserved'],
    ['::', 'unspecified'], ['::1', 'loopback'], ['fe80::1', 'link-local'], ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'unique-local'], ['fd12:3456:789a::1', 'unique-local'], ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'], ['::ffff:127.0.0.1', 'mapped'], ['::ffff:8.8.8.8', 'mapped'], ['::ffff:7f00:1', 'mapped'],
    ['::127.0.0.1', 'mapped'], ['64:ff9b::a00:1', 'mapped'], ['2002:7f00:1::', 'mapped'], ['2001:db8::1', 'documentation'],
    ['2001::1', 'reserved'], ['100::1', 'reserved'], ['4000::1', 'reserved'],
    ['not-an-ip', 'invalid'], ['1.2.3', 'invalid'], ['', 'invalid'],
  ])('%s is %s', (ip, kind) => {
    expect(classifyAddress(ip)).toBe(kind);
    expect(isPublicAddress(ip)).toBe(false);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '193.0.2.1', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e'])(
    '%s is public', (ip) => {
      expect(classifyAddress(ip)).toBeNull();
      expect(isPublicAddress(ip)).toBe(true);
    });
});

import type { IncomingMessage } from 'node:http';

import { z } from 'zod';

import { ClientAddresses, addressBucket, trustProxyEnv } from './trust-proxy';

const schema = z.object({ TRUST_PROXY: trustProxyEnv() });
const parse = (value?: string) =>
  schema.safeParse(value === undefined ? {} : { TRUST_PROXY: value });

/** A request from `peer` carrying `X-Forwarded-For: forwarded` (when given). */
function request(peer: string, forwarded?: string): IncomingMessage {
  return {
    headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
    socket: { remoteAddress: peer },
    connection: { remoteAddress: peer },
  } as unknown as IncomingMessage;
}

describe('trustProxyEnv', () => {
  it('is off unless set, and takes false, a hop count or proxy addresses', () => {
    expect(parse()).toMatchObject({ success: true, data: { TRUST_PROXY: false } });
    expect(parse('false')).toMatchObject({ success: true, data: { TRUST_PROXY: false } });
    expect(parse('0')).toMatchObject({ success: true, data: { TRUST_PROXY: false } });
    expect(parse('1')).toMatchObject({ success: true, data: { TRUST_PROXY: 1 } });
    expect(parse('10.0.0.0/8, loopback')).toMatchObject({
      success: true,
      data: { TRUST_PROXY: ['10.0.0.0/8', 'loopback'] },
    });
  });

  it.each([['true'], ['11'], ['not-an-address'], ['10.0.0.0/99']])('refuses %s', (value) => {
    expect(parse(value).success).toBe(false);
  });
});

describe('ClientAddresses', () => {
  it('with trust off, is the peer whatever X-Forwarded-For says', () => {
    const addresses = new ClientAddresses(false);
    expect(addresses.of(request('10.0.0.2', '203.0.113.7'))).toBe('10.0.0.2');
  });

  it('with one trusted hop, is the address that hop saw, not what the client wrote before it', () => {
    const addresses = new ClientAddresses(1);
    expect(addresses.of(request('10.0.0.2', '203.0.113.7'))).toBe('203.0.113.7');
    expect(addresses.of(request('10.0.0.2', '198.51.100.1, 203.0.113.7'))).toBe('203.0.113.7');
    expect(addresses.of(request('10.0.0.2'))).toBe('10.0.0.2');
  });

  it('with a list, believes only the listed proxies', () => {
    const addresses = new ClientAddresses(['10.0.0.0/8']);
    expect(addresses.of(request('10.0.0.2', '203.0.113.7'))).toBe('203.0.113.7');
    expect(addresses.of(request('192.0.2.9', '203.0.113.7'))).toBe('192.0.2.9');
  });

  it('counts IPv4-mapped IPv6 as IPv4, and IPv6 per /64', () => {
    const addresses = new ClientAddresses(false);
    expect(addresses.bucketOf(request('::ffff:203.0.113.7'))).toBe('203.0.113.7');
    expect(addresses.bucketOf(request('2001:db8:0:1:aaaa::1'))).toBe('2001:db8:0:1::/64');
  });
});

describe('addressBucket', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:0db8:0000:0001:ffff:ffff:ffff:ffff', '2001:db8:0:1::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
  ])('%s counts as %s', (address, bucket) => {
    expect(addressBucket(address)).toBe(bucket);
  });
});

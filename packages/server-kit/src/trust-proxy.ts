import type { IncomingMessage } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';

import { type DynamicModule, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import proxyAddr from 'proxy-addr';
import { z } from 'zod';

import { SERVICE_CONFIG } from './tokens';

/**
 * Which proxies in front of the service are believed about the client's address
 * (`X-Forwarded-For`): none (`false`), the nearest `n` hops, or the hops whose address is in a
 * list (addresses, CIDR ranges, `loopback`, `linklocal`, `uniquelocal`). Express's `trust proxy`.
 */
export type TrustProxy = false | number | string[];

type Trust = (address: string, hop: number) => boolean;

const OFF = ['false', 'off', 'no', '0'];

/**
 * A `*_TRUST_PROXY` variable: off by default; a hop count (`1` behind Traefik alone) or a
 * comma-separated list of proxy addresses. `true` (trust every hop) is refused: any client could
 * then pick its own address with `X-Forwarded-For`.
 */
export const trustProxyEnv = () =>
  z
    .string()
    .transform((raw, ctx): TrustProxy => {
      const value = raw.trim().toLowerCase();
      if (OFF.includes(value)) return false;
      if (/^\d+$/.test(value)) {
        const hops = Number(value);
        if (hops <= 10) return hops;
        ctx.addIssue({ code: 'custom', message: 'must be at most 10 proxy hops' });
        return z.NEVER;
      }
      if (['true', 'on', 'yes'].includes(value)) {
        ctx.addIssue({
          code: 'custom',
          message:
            'must be a hop count (1 behind Traefik) or a list of proxy addresses: ' +
            '"true" would believe any X-Forwarded-For a client sends',
        });
        return z.NEVER;
      }
      const list = value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      try {
        proxyAddr.compile(list);
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: `must be off, a hop count, or proxy addresses / CIDR ranges (${(error as Error).message})`,
        });
        return z.NEVER;
      }
      return list;
    })
    .default(false);

function compileTrust(setting: TrustProxy): Trust {
  if (setting === false) return () => false;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return proxyAddr.compile(setting);
}

/**
 * The address of the client behind a request: the peer of the connection, or, through each
 * trusted proxy hop, the address that hop received the request from, exactly as Express computes
 * `req.ip` with the same `trust proxy`. For Express requests and for Socket.IO handshakes alike.
 */
export class ClientAddresses {
  /** The function Express is given as `trust proxy`, so that `req.ip` agrees with {@link of}. */
  readonly trust: Trust;

  constructor(readonly setting: TrustProxy) {
    this.trust = compileTrust(setting);
  }

  of(req: IncomingMessage): string {
    if (req.socket?.remoteAddress === undefined) return 'unknown';
    return normalizeAddress(proxyAddr(req, this.trust));
  }

  /**
   * What a limit per address counts under: the address, except that IPv6 counts per /64 (the
   * smallest block a subscriber usually gets, so one cannot rotate through its own addresses).
   */
  bucketOf(req: IncomingMessage): string {
    return addressBucket(this.of(req));
  }
}

/** An IPv4-mapped IPv6 address (`::ffff:203.0.113.7`) as the IPv4 one. */
function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? (mapped[1] as string) : address;
}

/** An address's rate-limit bucket: IPv4 as is, IPv6 as its /64 (`2001:db8:0:1::/64`). */
export function addressBucket(address: string): string {
  const plain = normalizeAddress(address.split('%')[0] as string);
  if (isIPv4(plain) || !isIPv6(plain)) return plain;
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const [left, right] = plain.split('::');
  const head = groups(left);
  const tail = right === undefined ? [] : groups(right);
  const width = (g: string[]) => g.reduce((n, part) => n + (part.includes('.') ? 2 : 1), 0);
  const full = [...head, ...Array<string>(8 - width(head) - width(tail)).fill('0'), ...tail];
  const prefix = full.slice(0, 4).map((g) => parseInt(g, 16).toString(16));
  return `${prefix.join(':')}::/64`;
}

@Injectable()
class ExpressTrustProxy implements OnModuleInit {
  constructor(
    private readonly host: HttpAdapterHost,
    private readonly addresses: ClientAddresses,
  ) {}

  onModuleInit(): void {
    const instance = this.host.httpAdapter?.getInstance?.() as
      { set?: (name: string, value: unknown) => void } | undefined;
    instance?.set?.('trust proxy', this.addresses.trust);
  }
}

/**
 * Provides {@link ClientAddresses} from the service's `*_TRUST_PROXY` variable (its name given
 * here), and sets Express's `trust proxy` to the same hops so that `req.ip` agrees.
 */
@Module({})
export class ClientAddressModule {
  static forRoot(variable: string): DynamicModule {
    return {
      module: ClientAddressModule,
      providers: [
        {
          provide: ClientAddresses,
          inject: [SERVICE_CONFIG],
          useFactory: (config: Record<string, unknown>) =>
            new ClientAddresses((config[variable] as TrustProxy | undefined) ?? false),
        },
        ExpressTrustProxy,
      ],
      exports: [ClientAddresses],
    };
  }
}

// proxy-addr (Express's own dependency, which computes `req.ip`) ships no types: the part used here.
declare module 'proxy-addr' {
  import type { IncomingMessage } from 'node:http';

  type Trust = (address: string, hop: number) => boolean;

  function proxyAddr(req: IncomingMessage, trust: Trust): string;
  namespace proxyAddr {
    /** Compiles addresses, CIDR ranges and the names loopback, linklocal, uniquelocal; throws on a bad one. */
    function compile(values: string | string[]): Trust;
  }
  export = proxyAddr;
}

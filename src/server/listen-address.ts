/** Parses a Prometheus-style listen address (`--web.listen-address`). */
import { ScrapewireError } from '../errors';

export interface ListenAddress {
  /** Undefined for `:port`, which listens on every interface as Go's net.Listen does. */
  host: string | undefined;
  port: number;
}

export function parseListenAddress(address: string): ListenAddress {
  const fail = (why: string): never => {
    throw new ScrapewireError('ERR_USAGE', `listen address "${address}": ${why}`);
  };
  let host: string;
  let portText: string;
  if (address.startsWith('[')) {
    const close = address.indexOf(']');
    if (close < 0 || address[close + 1] !== ':') fail('expected [ipv6]:port');
    host = address.slice(1, close);
    portText = address.slice(close + 2);
  } else {
    const colon = address.lastIndexOf(':');
    if (colon < 0) fail('expected host:port');
    host = address.slice(0, colon);
    portText = address.slice(colon + 1);
    if (host.includes(':')) fail('an IPv6 host must be written in brackets, as [::1]:9090');
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) fail(`port "${portText}" is not a number from 0 to 65535`);
  return { host: host === '' ? undefined : host, port: Number(portText) };
}

/** Formats a bound address back into `host:port`, bracketing IPv6 hosts. */
export function formatListenAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

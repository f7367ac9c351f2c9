import { isIP } from 'node:net';

/** True for 127.0.0.0/8 and ::1 (also as an IPv4-mapped address). */
export function isLoopbackAddress(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return address === '::1';
}

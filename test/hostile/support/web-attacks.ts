/**
 * What the hostile web tests throw at the collector's port, and how they look at the process
 * afterwards: raw requests on sockets (node:net, so nothing in between fixes them up), slow
 * clients, snappy bombs, and the process's memory from /proc.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

/**
 * Sends `bytes` on a new connection and resolves with what the server wrote: once an answer's
 * head is complete, or the server closed, or `waitMs` passed.
 */
export function rawExchange(port: number, bytes: string | Buffer, waitMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(out);
    };
    const timer = setTimeout(done, waitMs);
    socket.on('data', (chunk: Buffer) => {
      out += chunk.toString('latin1');
      if (out.includes('\r\n\r\n')) done();
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  });
}

/** The status code of a raw HTTP/1.1 answer, 0 when there was none. */
export function statusOf(answer: string): number {
  return Number(/^HTTP\/1\.1 (\d{3}) /.exec(answer)?.[1] ?? 0);
}

export interface ProcessMemory {
  /** Resident set now, and its peak since the process started (VmHWM), in MiB. */
  rssMiB: number;
  peakRssMiB: number;
}

export function memoryOf(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakRssMiB: kib('VmHWM') / 1024 };
}

/** A snappy block whose header claims `claimed` bytes, followed by a few bytes of nothing. */
export function snappyBomb(claimed: number): Buffer {
  const header: number[] = [];
  let rest = claimed;
  while (rest >= 0x80) {
    header.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  header.push(rest);
  return Buffer.from([...header, 0x00, 0x00, 0x00]);
}

/**
 * Slowloris: `count` connections that each send the start of a request head, then one more
 * header line every `dripMs`, never finishing. Records how each connection ended.
 */
export class SlowClients {
  private readonly sockets: Socket[] = [];
  /** Per connection: what the server wrote, and whether it has closed. */
  readonly answers: string[] = [];
  readonly closed: boolean[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(port: number, count: number, dripMs = 500) {
    for (let i = 0; i < count; i++) {
      const socket = connect(port, '127.0.0.1');
      this.answers.push('');
      this.closed.push(false);
      socket.on('data', (chunk: Buffer) => (this.answers[i] += chunk.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => (this.closed[i] = true));
      socket.write('GET /-/healthy HTTP/1.1\r\nHost: a\r\n');
      this.sockets.push(socket);
    }
    this.timer = setInterval(() => {
      for (const socket of this.sockets) if (socket.writable) socket.write('X-Slow: 1\r\n');
    }, dripMs);
  }

  get openCount(): number {
    return this.closed.filter((c) => !c).length;
  }

  stop(): void {
    clearInterval(this.timer);
    for (const socket of this.sockets) socket.destroy();
  }
}

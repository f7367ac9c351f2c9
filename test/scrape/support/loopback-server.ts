/**
 * Real HTTP and HTTPS servers on 127.0.0.1 (never another interface) for the scrape tests.
 * Each records the requests it saw and the connections it accepted; close() drops every
 * connection, including ones whose response never ends.
 */

import http, { type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface SeenRequest {
  url: string;
  headers: IncomingMessage['headers'];
  /** SNI sent by the client (HTTPS only). */
  servername?: string;
  /** Subject CN of the client certificate (mutual TLS only). */
  clientCertCn?: string;
}

export interface LoopbackServer {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  origin: string;
  requests: SeenRequest[];
  connections: number;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

function record(server: http.Server | https.Server, handler: Handler, origin: (port: number) => string): Promise<LoopbackServer> {
  const state: LoopbackServer = {
    origin: '',
    requests: [],
    connections: 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('connection', () => state.connections++);
  server.on('request', ((req, res) => {
    const socket = req.socket as Partial<TLSSocket>;
    const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
    state.requests.push({
      url: req.url ?? '',
      headers: req.headers,
      servername: typeof socket.servername === 'string' ? socket.servername : undefined,
      clientCertCn: peer && peer.subject ? String(peer.subject.CN) : undefined,
    });
    handler(req, res);
  }) as RequestListener);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      state.origin = origin((server.address() as AddressInfo).port);
      resolve(state);
    });
  });
}

export function startHttpServer(handler: Handler): Promise<LoopbackServer> {
  return record(http.createServer(), handler, (port) => `http://127.0.0.1:${port}`);
}

export function startHttpsServer(tls: https.ServerOptions, handler: Handler): Promise<LoopbackServer> {
  return record(https.createServer(tls), handler, (port) => `https://127.0.0.1:${port}`);
}

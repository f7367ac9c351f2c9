/**
 * The remote-write protocols, one vocabulary for the whole code base: each is named by its
 * protobuf message, the name config's `protobuf_message` takes and the Content-Type's `proto=`
 * parameter carries. The core's numeric id for a protocol is src/core's business (core.ts).
 */

/** Remote write 1.0: prometheus.WriteRequest. */
export const RW1 = 'prometheus.WriteRequest';
/** Remote write 2.0: io.prometheus.write.v2.Request (symbol table, metadata inline). */
export const RW2 = 'io.prometheus.write.v2.Request';

/** A remote-write protocol by its protobuf message name: 1.0 (RW1) or 2.0 (RW2). */
export type RemoteWriteProtocol = typeof RW1 | typeof RW2;

export const REMOTE_WRITE_PROTOCOLS: readonly RemoteWriteProtocol[] = [RW1, RW2];

export function isRemoteWriteProtocol(text: string): text is RemoteWriteProtocol {
  return text === RW1 || text === RW2;
}

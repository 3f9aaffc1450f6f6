// The FT VLAN as the pair sees it: a datagram path for heartbeats and a
// stream for replication between the two members' FT addresses. Real sockets
// (src/runtime/ft-transport.ts) and an in-memory link with cut/restore for
// tests and the simulator (./memory-transport.ts) implement it.

export interface FtEndpoint {
  address: string;
  port: number;
}

export interface FtDatagramSocket {
  send(buf: Buffer): void;
  close(): void;
}

/** One replication connection; text lines in, text lines out. */
export interface FtStream {
  write(text: string): void;
  /** Registers the data and close handlers (close fires once, also after errors). */
  onData(cb: (chunk: string) => void): void;
  onClose(cb: () => void): void;
  close(): void;
}

export interface FtTransport {
  /** Binds the heartbeat socket on `local`; datagrams from anywhere arrive with their source address. */
  bindHeartbeat(local: FtEndpoint, peer: FtEndpoint, onMessage: (buf: Buffer, fromAddress: string) => void): Promise<FtDatagramSocket>;
  listenStream(local: FtEndpoint, onStream: (s: FtStream, remoteAddress: string) => void): Promise<{ close(): Promise<void> }>;
  /** Dials the peer from `localAddress`; failures arrive as onClose. */
  dialStream(peer: FtEndpoint, localAddress: string): FtStream;
}

/**
 * The query interface (§7.1): a reachability check of the peer over a VLAN
 * other than the FT VLAN, asked when heartbeats stop. The ACE pings; acesim's
 * loopback implementation connects over TCP (src/runtime/ft-query.ts).
 */
export interface FtQueryPort {
  /** True when the peer answered; false on refusal or error. The signal aborts the attempt (the caller's timeout). */
  ask(signal: AbortSignal): Promise<boolean>;
  /** Stops answering the peer's own queries (the member is stopping). */
  close(): Promise<void>;
}

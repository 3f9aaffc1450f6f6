// The lab's FT VLAN: a relay between the two members' FT addresses that the
// lab can cut and restore while both members live. Each member is told to
// reach its peer through the relay address standing for that peer
// (`acesim run --ft-peer-via`); the relay forwards heartbeats (UDP) and the
// replication connection (TCP) and, while cut, drops datagrams, resets the
// connection and refuses new ones — a pulled FT cable, as the members see it.
import dgram from 'node:dgram';
import net from 'node:net';

export interface FtRelaySide {
  /** The member's own FT address. */
  member: string;
  /** The relay's address that stands for this member towards the other one. */
  relay: string;
}

export class FtRelay {
  cut = false;
  datagrams = 0;
  dropped = 0;
  private readonly udp: dgram.Socket[] = [];
  private readonly servers: net.Server[] = [];
  private readonly conns = new Set<net.Socket>();

  constructor(
    private readonly a: FtRelaySide,
    private readonly b: FtRelaySide,
    private readonly port: number,
  ) {}

  async start(): Promise<void> {
    // Datagrams to relay(B) go to B from relay(A), and the other way round.
    for (const [from, to] of [
      [this.a, this.b],
      [this.b, this.a],
    ] as const) {
      const s = dgram.createSocket('udp4');
      s.on('error', () => {});
      this.udp.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.bind(this.port, to.relay, () => resolve());
      });
      s.on('message', (msg) => {
        this.datagrams++;
        if (this.cut) {
          this.dropped++;
          return;
        }
        // Sent from the socket standing for `from`, so `to` sees its peer's relay address.
        const out = this.udp.find((u) => u.address().address === from.relay);
        out?.send(msg, this.port, to.member);
      });
      const server = net.createServer((c) => this.onConnection(c, from, to));
      server.on('error', () => {});
      this.servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.port, to.relay, () => resolve());
      });
    }
  }

  private onConnection(client: net.Socket, from: FtRelaySide, to: FtRelaySide): void {
    if (this.cut) {
      client.resetAndDestroy();
      return;
    }
    const up = net.connect({ host: to.member, port: this.port, localAddress: from.relay });
    for (const s of [client, up]) {
      this.conns.add(s);
      s.on('error', () => {
        client.destroy();
        up.destroy();
      });
      s.on('close', () => {
        this.conns.delete(s);
        client.destroy();
        up.destroy();
      });
    }
    client.pipe(up);
    up.pipe(client);
  }

  setCut(cut: boolean): void {
    this.cut = cut;
    if (cut) for (const c of [...this.conns]) c.resetAndDestroy();
  }

  async stop(): Promise<void> {
    this.setCut(true);
    for (const u of this.udp.splice(0)) u.close();
    await Promise.all(this.servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}

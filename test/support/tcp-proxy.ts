import { connect, createServer, type Server, type Socket } from 'node:net';

interface Link {
  readonly client: Socket;
  readonly upstream: Socket;
  /** Data held back during a partition, in arrival order. */
  readonly held: Array<() => void>;
}

/**
 * A loopback TCP proxy in front of PostgreSQL that a test controls, to show what the network can
 * do to an application without touching the shared server:
 * - `cut()` / `restore()`: an outage — every connection reset, new ones refused, then accepted again;
 * - `partition()` / `heal()`: a partition — nothing is forwarded and nothing is closed, so a peer
 *   sees a connection that simply stops answering (the case query timeouts and leases must
 *   catch); healing forwards what was held back, late.
 */
export class TcpProxy {
  readonly #target: { host: string; port: number };
  readonly #links = new Set<Link>();
  #server: Server | undefined;
  #cut = false;
  #partitioned = false;
  /** Connections accepted, and refused while cut. */
  connections = 0;
  refused = 0;
  port = 0;

  constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  async start(port = 0): Promise<number> {
    const server = createServer((client) => this.#accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : port;
    return this.port;
  }

  /** Resets every open connection and refuses new ones. */
  cut(): void {
    this.#cut = true;
    for (const link of this.#links) {
      link.client.destroy();
      link.upstream.destroy();
    }
  }

  /** Accepts connections again. */
  restore(): void {
    this.#cut = false;
  }

  /** Stops forwarding in both directions, keeping every socket open. */
  partition(): void {
    this.#partitioned = true;
  }

  /** Forwards again, including what was held back. */
  heal(): void {
    this.#partitioned = false;
    for (const link of this.#links) for (const release of link.held.splice(0)) release();
  }

  async close(): Promise<void> {
    this.cut();
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    if (this.#cut) {
      this.refused += 1;
      client.destroy();
      return;
    }
    this.connections += 1;
    const upstream = connect(this.#target.port, this.#target.host);
    const link: Link = { client, upstream, held: [] };
    this.#links.add(link);
    const pipe = (from: Socket, to: Socket) => {
      from.on('data', (chunk) => {
        if (!this.#partitioned) {
          to.write(chunk);
          return;
        }
        from.pause();
        link.held.push(() => {
          to.write(chunk);
          from.resume();
        });
      });
      from.on('end', () => to.end());
      from.on('error', () => to.destroy());
      from.on('close', () => {
        to.destroy();
        this.#links.delete(link);
      });
    };
    pipe(client, upstream);
    pipe(upstream, client);
  }
}

/** Starts a proxy to `target` on a free port. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const proxy = new TcpProxy(target);
  await proxy.start();
  return proxy;
}

/** `url` with its host and port replaced by the proxy's. */
export function throughProxy(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(port);
  return parsed.toString();
}

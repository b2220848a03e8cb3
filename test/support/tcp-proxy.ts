import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Stops forwarding in both directions, keeping every socket open: a network partition. */
  partition(): void;
  /** Forwards again, including what was held back. */
  heal(): void;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * A loopback TCP proxy the test controls. During a partition nothing is forwarded and nothing is
 * closed — a peer sees a connection that simply stops answering, as when a network link drops
 * packets — which is the case that query timeouts and leases must catch, unlike a reset.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let partitioned = false;
  let connections = 0;
  const pairs = new Set<{ a: Socket; b: Socket; held: Array<() => void> }>();
  const server: Server = createServer((client) => {
    connections += 1;
    const upstream = connect(target.port, target.host);
    const pair = { a: client, b: upstream, held: [] as Array<() => void> };
    pairs.add(pair);
    const pipe = (from: Socket, to: Socket) => {
      from.on('data', (chunk) => {
        if (partitioned) {
          from.pause();
          pair.held.push(() => {
            to.write(chunk);
            from.resume();
          });
        } else to.write(chunk);
      });
      from.on('end', () => to.end());
      from.on('error', () => to.destroy());
      from.on('close', () => {
        to.destroy();
        pairs.delete(pair);
      });
    };
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    get connections() {
      return connections;
    },
    partition() {
      partitioned = true;
    },
    heal() {
      partitioned = false;
      for (const pair of pairs) for (const release of pair.held.splice(0)) release();
    },
    async close() {
      for (const pair of pairs) {
        pair.a.destroy();
        pair.b.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

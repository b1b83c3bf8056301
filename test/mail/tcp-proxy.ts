/** A TCP pass-through that counts connections, so a test can see how many a client opens at once. */
import { createServer, connect, type Socket } from 'node:net';

export interface CountingProxy {
  port: number;
  /** The most connections open at the same time since the start. */
  readonly maxOpen: number;
  readonly total: number;
  close(): Promise<void>;
}

export async function startCountingProxy(targetPort: number): Promise<CountingProxy> {
  const sockets = new Set<Socket>();
  let open = 0;
  let maxOpen = 0;
  let total = 0;
  const server = createServer((client) => {
    open += 1;
    total += 1;
    maxOpen = Math.max(maxOpen, open);
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    let closed = false;
    const done = (): void => {
      if (closed) return;
      closed = true;
      open -= 1;
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('end', done).on('close', done).on('error', done);
    upstream.on('close', done).on('error', done);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    get maxOpen() {
      return maxOpen;
    },
    get total() {
      return total;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

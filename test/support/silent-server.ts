/**
 * A TCP server that accepts connections and then says nothing, ever: what a
 * client sees of a proxy without a backend, or of a wrong port on a host
 * that accepts everything. It does not close its side either, so a client's
 * polite disconnect waits for an answer that never comes.
 */
import { once } from 'node:events';
import net from 'node:net';

export interface SilentServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<net.Socket>();
  // allowHalfOpen: a client's FIN gets no FIN back, as from a hung peer.
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    close: async () => {
      const closed = once(server, 'close');
      server.close();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

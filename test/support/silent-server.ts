/**
 * A TCP server that accepts connections and then says nothing, ever: what a
 * client sees of a proxy without a backend, or of a wrong port on a host
 * that accepts everything. It does not close its side either, so a client's
 * polite disconnect waits for an answer that never comes.
 */
import { once } from 'node:events';
import net from 'node:net';

export interface SilentServer {
  /** redis:// */
  url: string;
  /** The same server as the only sentinel of redis+sentinel://. */
  sentinelUrl: string;
  /** The same server as the only seed node of redis+cluster://. */
  clusterUrl: string;
  port: number;
  /** Connections the client has neither closed nor ended its side of. */
  openConnections(): number;
  close(): Promise<void>;
}

export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<net.Socket>();
  const open = new Set<net.Socket>();
  // allowHalfOpen: a client's FIN gets no FIN back, as from a hung peer.
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    open.add(socket);
    const ended = () => open.delete(socket);
    socket.on('end', ended);
    socket.on('error', ended);
    socket.on('close', () => {
      ended();
      sockets.delete(socket);
    });
    // Read (and drop) what the client sends, so that its FIN is seen.
    socket.resume();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    sentinelUrl: `redis+sentinel://127.0.0.1:${port}/mymaster`,
    clusterUrl: `redis+cluster://127.0.0.1:${port}`,
    openConnections: () => open.size,
    close: async () => {
      const closed = once(server, 'close');
      server.close();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

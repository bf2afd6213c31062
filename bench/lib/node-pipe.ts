// A bare TCP byte pipe in Node.js: each client connection gets its own upstream connection and
// bytes are copied both ways, nothing parsed, nothing added. It is the floor for any proxy that
// runs as its own Node.js process on this machine: the benchmark measures it beside the gateway
// so that what the gateway adds can be told apart from what a third process (the upstream and
// the load generator being the other two) costs on a small machine.
//
//   node dist/bench/lib/node-pipe.js LISTEN_PORT UPSTREAM_PORT
import net from 'node:net';

const [listenPort, upstreamPort] = process.argv.slice(2).map(Number);
if (!Number.isInteger(listenPort) || !Number.isInteger(upstreamPort)) {
  process.stderr.write('usage: node-pipe.js LISTEN_PORT UPSTREAM_PORT\n');
  process.exit(2);
}

const server = net.createServer((client) => {
  client.setNoDelay(true);
  const upstream = net.connect(upstreamPort!, '127.0.0.1');
  upstream.setNoDelay(true);
  client.pipe(upstream);
  upstream.pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close).on('close', close);
  upstream.on('error', close).on('close', close);
});
server.listen(listenPort, '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));

// The instruction harness's load generator (`instructions-harness.ts`), run by it in a child
// process so that valgrind, which does not follow children, counts the server alone. Plain
// JavaScript, run by `node` as it is, from the sources and from the harness's bundle alike.
//
// Usage: node load-generator.mjs <port> <requests> <connections> <response bytes> <request>
//
// `connections` keep-alive connections to 127.0.0.1:<port>, each sending the next request once
// the previous response has arrived (counted by size: every response of the server has the
// same size); `requests` requests in all. Exits once every response has arrived, or with
// status 1 and a message on the first socket error.
import net from 'node:net';

const [port, requests, connections, size] = process.argv.slice(2, 6).map(Number);
const request = Buffer.from(process.argv[6] ?? '', 'latin1');
if (![port, requests, connections, size].every((n) => Number.isInteger(n) && n > 0)) {
  process.stderr.write(`load generator: bad arguments ${JSON.stringify(process.argv.slice(2))}\n`);
  process.exit(2);
}
let sent = 0;
let done = 0;
const sockets = [];
function next(socket) {
  if (sent < requests) {
    sent++;
    socket.write(request);
  }
}
for (let c = 0; c < connections; c++) {
  const socket = net.connect(port, '127.0.0.1', () => next(socket));
  sockets.push(socket);
  socket.on('error', (error) => {
    process.stderr.write(`load generator: ${error.message}\n`);
    process.exit(1);
  });
  let pending = 0;
  socket.on('data', (d) => {
    pending += d.length;
    while (pending >= size) {
      pending -= size;
      if (++done === requests) {
        for (const s of sockets) s.destroy();
        return;
      }
      next(socket);
    }
  });
}

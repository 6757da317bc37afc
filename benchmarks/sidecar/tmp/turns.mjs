import http from 'node:http';
import { spawn } from 'node:child_process';
let served = 0, turns = 0, open = false;
const close = () => { open = false; };
const server = http.createServer((req, res) => {
  served++;
  if (!open) { open = true; turns++; setImmediate(close); }
  res.setHeader('content-type', 'text/plain'); res.end('hello world');
});
server.listen(0, '127.0.0.1', () => {
  const port = server.address().port;
  const request = `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`;
  const n = 300000;
  const t0 = Date.now();
  const child = spawn('taskset', ['-c', '0', process.execPath, new URL('../src/load-generator.mjs', import.meta.url).pathname, String(port), String(n), '32', '160', request], { stdio: 'inherit' });
  child.on('exit', (c) => { console.log('exit', c, 'served', served, 'turns', turns, 'per turn', (served / turns).toFixed(2), 'req/s', Math.round(served / ((Date.now() - t0) / 1000))); server.close(); process.exit(0); });
});

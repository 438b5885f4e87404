// A stand-in for two awesome-compose apps whose packages come from npm, which this machine cannot reach: the
// nginx-nodejs-redis web app (each GET / increments "visits" in Redis and says by how much, as the original does)
// and, without REDIS_HOST, the vuejs app's dev server (a static page). Node's own http and net modules; one short
// Redis connection per request speaks just enough RESP for INCR.
'use strict';
const http = require('http');
const net = require('net');
const os = require('os');

const REDIS_HOST = process.env.REDIS_HOST || '';  // none: a static page, like the vuejs and angular apps
const PORT = Number(process.env.PORT || 5000);

function incr(key) {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection({ host: REDIS_HOST, port: 6379 });
    let reply = '';
    sock.setTimeout(5000, () => sock.destroy(new Error('redis timed out')));
    sock.on('connect', () => sock.write(`*2\r\n$4\r\nINCR\r\n$${key.length}\r\n${key}\r\n`));
    sock.on('data', (chunk) => {
      reply += chunk;
      if (!reply.endsWith('\r\n')) return;
      sock.end();
      if (reply.startsWith(':')) resolve(Number(reply.slice(1, -2)));
      else reject(new Error(`redis: ${reply.trim()}`));
    });
    sock.on('error', reject);
  });
}

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') { res.end('ok\n'); return; }
  if (req.url !== '/') { res.statusCode = 404; res.end('not found\n'); return; }
  if (!REDIS_HOST) { res.setHeader('Content-Type', 'text/html'); res.end('<!DOCTYPE html><title>app</title><div id="app">Hello</div>\n'); return; }
  incr('visits').then(
    (n) => res.end(`${process.env.NAME || os.hostname()}: Number of visits is: ${n}\n`),
    (err) => { res.statusCode = 500; res.end(`${err.message}\n`); });
});
server.listen(PORT, () => console.log(`listening on :${PORT}`));
process.on('SIGTERM', () => { server.close(() => process.exit(0)); server.closeIdleConnections(); });

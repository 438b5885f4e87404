// Storefront front end: serves public/ and renders the catalogue from the API. Node's standard library only.
'use strict';

const http = require('http');
const fs = require('fs');
const path = require('path');

const port = Number(process.env.PORT || 3000);
const apiUrl = process.env.API_URL || 'http://localhost:8080';
const publicDir = path.join(__dirname, 'public');

function fetchJson(url) {
  return new Promise((resolve, reject) => {
    http.get(url, { timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => {
        try { resolve(JSON.parse(body)); } catch (err) { reject(err); }
      });
    }).on('error', reject);
  });
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const server = http.createServer(async (req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('ok\n');
    return;
  }
  if (req.url === '/catalogue') {
    try {
      const items = await fetchJson(`${apiUrl}/items`);
      const rows = items.map((i) => `<li>${escapeHtml(i.name)}: ${escapeHtml(i.price)}</li>`).join('');
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><ul>${rows}</ul>`);
    } catch (err) {
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end('catalogue unavailable\n');
    }
    return;
  }
  const file = path.join(publicDir, req.url === '/' ? 'index.html' : path.normalize(req.url));
  if (!file.startsWith(publicDir)) {
    res.writeHead(403);
    res.end();
    return;
  }
  fs.readFile(file, (err, data) => {
    if (err) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': file.endsWith('.html') ? 'text/html; charset=utf-8' : 'application/octet-stream' });
    res.end(data);
  });
});

server.listen(port, () => console.log(`storefront web listening on ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));

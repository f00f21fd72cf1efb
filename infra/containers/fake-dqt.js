// A stand-in for DQT's qualifications API (outside the platform) for infra/test-containers.sh: answers every
// outcome push with 204 and keeps a log of them, served at GET /__requests (method, path, trn, body).
'use strict';
const http = require('node:http');

const requests = [];
http
  .createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url || '/', 'http://dqt');
      if (req.method === 'GET' && url.pathname === '/__requests') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(requests));
        return;
      }
      let body = null;
      try {
        body = JSON.parse(raw || 'null');
      } catch {
        body = raw;
      }
      requests.push({ method: req.method, path: url.pathname, trn: url.searchParams.get('trn'), body });
      res.writeHead(204);
      res.end();
    });
  })
  .listen(3099, '0.0.0.0');
process.on('SIGTERM', () => process.exit(0));

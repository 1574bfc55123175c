// A non-.NET app in the run file: subscribes to `orders`, keeps what it saw in its own state store, and answers
// service invocation, all through its Dapr sidecar's HTTP API. Plain Node (no packages), so nothing to install.
import http from 'node:http';

const appPort = Number(process.env.APP_PORT);
const dapr = `http://127.0.0.1:${process.env.DAPR_HTTP_PORT}`;
const store = 'orders-watcher-store';

async function seen() {
  const response = await fetch(`${dapr}/v1.0/state/${store}/seen`);
  return response.status === 200 ? await response.json() : [];
}

async function remember(id) {
  const ids = await seen();
  if (!ids.includes(id)) ids.push(id); // deliveries are at least once
  const response = await fetch(`${dapr}/v1.0/state/${store}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([{ key: 'seen', value: ids }]),
  });
  if (!response.ok) throw new Error(`state save answered ${response.status}`);
}

function reply(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

http.createServer(async (req, res) => {
  try {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks).toString();
    if (req.method === 'GET' && req.url === '/healthz') return reply(res, 200, { status: 'ok' });
    if (req.method === 'GET' && req.url === '/dapr/subscribe') {
      return reply(res, 200, [{ pubsubname: 'pubsub', topic: 'orders', route: '/events/orders' }]);
    }
    if (req.method === 'POST' && req.url === '/events/orders') {
      const event = JSON.parse(body);
      await remember(event.id);
      console.log(`received ${event.type} ${event.id} (traceparent ${req.headers.traceparent ?? 'none'})`);
      return reply(res, 200, { status: 'SUCCESS' });
    }
    if (req.method === 'GET' && req.url === '/api/seen') return reply(res, 200, await seen());
    return reply(res, 404, { error: 'not found' });
  } catch (error) {
    console.error(error);
    return reply(res, 500, { error: String(error) });
  }
}).listen(appPort, '127.0.0.1', () => console.log(`orders-watcher listening on ${appPort}`));

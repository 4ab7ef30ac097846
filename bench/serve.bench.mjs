// `serve` under load: signed Eppo deliveries (signature check + 202) over
// loopback with undici, 32 in flight. The server runs in its own process (as
// in production) with a no-op background handler, so this measures the
// receiver itself. Its peer, under the same load: a bare node:http receiver
// doing only the JSON parse and the HMAC check. Targets: >= 2,000 req/s,
// p99 < 25 ms, at least 0.5x the peer's throughput.
import { fork } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const SECRET = 'whsec-bench-secret-0123456789';

if (process.argv[2] === 'server' || process.argv[2] === 'peer') {
  let handled = 0;
  const server = process.argv[2] === 'peer' ? await startPeer(() => handled++) : await startServe(() => handled++);
  process.send({ port: server.port });
  let cpuAtStart;
  process.on('message', async (m) => {
    if (m === 'measure') cpuAtStart = process.cpuUsage();
    if (m === 'stop') {
      const cpu = process.cpuUsage(cpuAtStart);
      await server.close();
      process.send({ handled, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMb: process.resourceUsage().maxRSS / 1024 });
      process.disconnect();
    }
  });
} else {
  const { Agent, request } = await import('undici');
  const { signWebhookData } = await import('../dist/outcomes/index.js');
  const { peakRssMb, percentile, report } = await import('./lib.mjs');
  const CONCURRENCY = 32;
  const TOTAL = 20_000;
  const WARMUP = 2_000;
  const EXPERIMENTS = 500;

  const bodies = Array.from({ length: EXPERIMENTS }, (_, i) => {
    const data = { experiment_id: 1000 + i, experiment_key: `bench-experiment-${i}` };
    return JSON.stringify({ event: 'experiment.status.updated', data, signature: signWebhookData(data, SECRET) });
  });

  /** Starts `kind` in its own process, loads it, stops it: throughput, latencies, the server's own figures. */
  const measure = async (kind) => {
    const child = fork(fileURLToPath(import.meta.url), [kind], { stdio: 'inherit' });
    const [{ port }] = await once(child, 'message');
    const agent = new Agent({ connections: CONCURRENCY, pipelining: 1 });
    const url = `http://127.0.0.1:${port}/webhooks/eppo`;
    try {
      await run(url, agent, WARMUP);
      const latencies = [];
      child.send('measure');
      const start = performance.now();
      const failures = await run(url, agent, TOTAL, latencies);
      const seconds = (performance.now() - start) / 1000;
      child.send('stop');
      const [server] = await once(child, 'message');
      return { rps: TOTAL / seconds, latencies, failures, server };
    } finally {
      await agent.close();
      if (child.connected) child.kill();
    }
  };

  const run = async (url, agent, count, latencies) => {
    let next = 0;
    let failures = 0;
    const worker = async () => {
      while (next < count) {
        const i = next++;
        const start = performance.now();
        const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[i % EXPERIMENTS], dispatcher: agent });
        await res.body.dump();
        if (res.statusCode !== 202) failures++;
        latencies?.push(performance.now() - start);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return failures;
  };

  const serve = await measure('server');
  const peer = await measure('peer');
  const p99 = percentile(serve.latencies, 99);
  const ratio = serve.rps / peer.rps;
  console.log(`signed deliveries: ${TOTAL} at concurrency ${CONCURRENCY}, ${serve.failures} not 202; ${serve.server.handled} background handler runs`);
  console.log(`throughput: ${serve.rps.toFixed(0)} req/s  (target >= 2000 req/s: ${serve.rps >= 2000 ? 'ok' : 'MISSED'})`);
  console.log(`peer (bare node:http, JSON parse + HMAC check): ${peer.rps.toFixed(0)} req/s, p99 ${percentile(peer.latencies, 99).toFixed(1)} ms, ${peer.failures} not 202`);
  console.log(`serve / peer throughput: ${ratio.toFixed(2)}x  (target >= 0.5x: ${ratio >= 0.5 ? 'ok' : 'MISSED'})`);
  report('server CPU per delivery (user + system)', (serve.server.cpuMs * 1000) / TOTAL, 'µs');
  report('peer CPU per delivery (user + system)', (peer.server.cpuMs * 1000) / TOTAL, 'µs');
  report('p50 latency', percentile(serve.latencies, 50), 'ms');
  report('p99 latency', p99, 'ms', 25);
  report('peak RSS of the server process', serve.server.peakRssMb, 'MB');
  report('peak RSS of the load client', peakRssMb(), 'MB');
  console.log(`machine load average (1 min) at the end: ${loadavg()[0].toFixed(2)}`);
  if (serve.failures > 0 || peer.failures > 0 || serve.rps < 2000 || p99 >= 25 || ratio < 0.5) process.exitCode = 1;
}

async function startServe(onHandled) {
  const { startWebhookServer } = await import('../dist/server/index.js');
  return startWebhookServer({
    port: 0,
    secret: SECRET,
    maxPending: 10_000,
    handle: async () => {
      onHandled();
      return { action: 'unchanged' };
    },
  });
}

/** The least a receiver does: read the body, parse it, check the HMAC in constant time, answer 202. */
async function startPeer(onHandled) {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      let ok = false;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const expected = createHmac('sha256', SECRET).update(JSON.stringify(body.data)).digest();
        const given = Buffer.from(String(body.signature), 'hex');
        ok = given.length === expected.length && timingSafeEqual(given, expected);
      } catch {
        ok = false;
      }
      if (ok) setImmediate(onHandled);
      res.writeHead(ok ? 202 : 401, { 'content-type': 'application/json' }).end(ok ? '{"ok":true}' : '{"error":"bad signature"}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

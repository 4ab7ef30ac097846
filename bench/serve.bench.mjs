// `serve` under load: signed Eppo deliveries (signature check + 202) over
// loopback with undici, 32 in flight. The server runs in its own process (as
// in production) with a no-op background handler, so this measures the
// receiver itself. Targets: >= 2,000 req/s, p99 < 25 ms.
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const SECRET = 'whsec-bench-secret-0123456789';

if (process.argv[2] === 'server') {
  const { startWebhookServer } = await import('../dist/server/index.js');
  let handled = 0;
  const server = await startWebhookServer({
    port: 0,
    secret: SECRET,
    maxPending: 10_000,
    handle: async () => {
      handled++;
      return { action: 'unchanged' };
    },
  });
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

  const child = fork(fileURLToPath(import.meta.url), ['server'], { stdio: 'inherit' });
  const [{ port }] = await once(child, 'message');
  const bodies = Array.from({ length: EXPERIMENTS }, (_, i) => {
    const data = { experiment_id: 1000 + i, experiment_key: `bench-experiment-${i}` };
    return JSON.stringify({ event: 'experiment.status.updated', data, signature: signWebhookData(data, SECRET) });
  });
  const agent = new Agent({ connections: CONCURRENCY, pipelining: 1 });
  const url = `http://127.0.0.1:${port}/webhooks/eppo`;

  const run = async (count, latencies) => {
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

  try {
    await run(WARMUP);
    const latencies = [];
    child.send('measure');
    const start = performance.now();
    const failures = await run(TOTAL, latencies);
    const seconds = (performance.now() - start) / 1000;
    child.send('stop');
    const [server] = await once(child, 'message');
    const rps = TOTAL / seconds;
    const p99 = percentile(latencies, 99);
    console.log(`signed deliveries: ${TOTAL} at concurrency ${CONCURRENCY}, ${failures} not 202; ${server.handled} background handler runs`);
    console.log(`throughput: ${rps.toFixed(0)} req/s  (target >= 2000 req/s: ${rps >= 2000 ? 'ok' : 'MISSED'})`);
    report('server CPU per delivery (user + system)', (server.cpuMs * 1000) / TOTAL, 'µs');
    report('p50 latency', percentile(latencies, 50), 'ms');
    report('p99 latency', p99, 'ms', 25);
    report('peak RSS of the server process', server.peakRssMb, 'MB');
    report('peak RSS of the load client', peakRssMb(), 'MB');
    console.log(`machine load average (1 min) at the end: ${loadavg()[0].toFixed(2)}`);
    if (failures > 0 || rps < 2000 || p99 >= 25) process.exitCode = 1;
  } finally {
    await agent.close();
    if (child.connected) child.kill();
  }
}

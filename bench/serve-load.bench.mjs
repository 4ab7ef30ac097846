// `serve` under sustained mixed load, as deployed: the built CLI in its own
// process (`eppo-gitops serve --git-host local` on a temporary checkout, the
// embedded emulator as Eppo), hit for LOAD_SECONDS (default 60) by 32
// concurrent clients sending valid signed deliveries, wrongly signed ones,
// malformed ones (bad JSON, wrong content type, random bytes) and oversized
// ones (64 KiB .. 1 MiB). Checks: no crash, every answer as expected, every
// valid delivery processed (its experiment handled after its last delivery),
// memory stable (RSS of the server sampled every second). Prints requests/s,
// p50/p99 and RSS start/peak/end.
import { execFileSync, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { percentile, report } from './lib.mjs';
import { mulberry32, startEmulator } from '../dist/emulator/index.js';

const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const CONCURRENCY = 32;
const EXPERIMENTS = 60;
const CONCLUDED = 12;
const SECRET = 'whsec-load-bench-7c1e';
const MIX = [
  ['valid', 0.4],
  ['bad-signature', 0.25],
  ['malformed', 0.2],
  ['oversized', 0.15],
];
// A malformed body that is still JSON (`[]`) fails the signature check first: 401.
const EXPECTED = { valid: [202], 'bad-signature': [401], malformed: [400, 401, 415], oversized: [413] };

const bin = fileURLToPath(new URL('../dist/cli/bin.js', import.meta.url));

const random = mulberry32(20260101);
const sign = (data, secret) => createHmac('sha256', secret).update(JSON.stringify(data)).digest('hex');
const definition = (key) => `experiment_key: ${key}
name: Load ${key}
entity: user
assignment_source: User assignments
assignments_start_date: 2026-01-05
variations:
  - variant_key: control
    is_control: true
    weight: 0.5
  - variant_key: green
    weight: 0.5
`;
const git = (cwd, ...args) => execFileSync('git', args, { cwd, env: { ...process.env, HOME: cwd, GIT_CONFIG_NOSYSTEM: '1' }, stdio: 'pipe' });
const rssMb = async (pid) => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
  return kb === undefined ? NaN : Number(kb) / 1024;
};

const repo = await mkdtemp(join(tmpdir(), 'eppo-gitops-load-'));
const emu = await startEmulator({ port: 0 });
let child;
try {
  // A checkout with the definitions, and Eppo with the experiments (some concluded).
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'config', 'user.name', 'Load Bench');
  git(repo, 'config', 'user.email', 'load@example.com');
  await mkdir(join(repo, 'experiments'));
  const keys = Array.from({ length: EXPERIMENTS }, (_, i) => `load-${i}`);
  for (const key of keys) await writeFile(join(repo, 'experiments', `${key}.yaml`), definition(key));
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'definitions');
  const live = emu.seedExperiments(
    keys.map((key, i) => ({
      name: `Load ${key}`,
      experiment_key: key,
      entity_id: 1,
      assignment_source_id: 1,
      assignments_start_date: '2026-01-05',
      variations: [
        { name: 'control', variant_key: 'control', is_control: true, weighted_expected_traffic: 0.5, is_active: true },
        { name: 'green', variant_key: 'green', is_control: false, weighted_expected_traffic: 0.5, is_active: true },
      ],
      ...(i < CONCLUDED ? { concluded_date: '2026-02-10T12:00:00.000Z', outcome: 'POSITIVE', winning_variant_key: 'green' } : {}),
    })),
  );
  const ids = live.map((e) => e.id);

  // The server: the built CLI, in its own process.
  child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--git-host', 'local'], {
    cwd: repo,
    env: { PATH: process.env.PATH, HOME: repo, GIT_CONFIG_NOSYSTEM: '1', EPPO_API_KEY: emu.apiKey, EPPO_BASE_URL: emu.url, EPPO_WEBHOOK_SECRET: SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const logLines = [];
  let partial = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop();
    for (const line of parts) if (line !== '') logLines.push(line);
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', () => reject(new Error(`serve exited before listening: ${logLines.join('\n')}`)));
  });
  const target = `${url}/webhooks/eppo`;

  const validBodies = ids.map((id, i) => {
    const data = { experiment_id: id, experiment_key: keys[i] };
    return JSON.stringify({ event: 'experiment.status.updated', data, signature: sign(data, SECRET) });
  });
  const badBodies = ids.map((id, i) => {
    const data = { experiment_id: id, experiment_key: keys[i] };
    return JSON.stringify({ event: 'experiment.status.updated', data, signature: sign(data, 'not-the-secret') });
  });
  const oversized = [70 * 1024, 256 * 1024, 1024 * 1024].map((n) => JSON.stringify({ event: 'experiment.status.updated', data: { experiment_id: 1, pad: 'x'.repeat(n) }, signature: '0'.repeat(64) }));
  const malformed = [
    ['application/json', '{"event": "experiment.status.updated", "data": {"experiment_id": 1'],
    ['application/json', Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) % 256))],
    ['text/plain', validBodies[0]],
    ['application/json', '[]'],
    ['application/json', '{"event":"experiment.status.updated","data":{"experiment_id":"x"},"signature":"' + sign({ experiment_id: 'x' }, SECRET) + '"}'],
  ];
  const pick = () => {
    let r = random();
    for (const [kind, share] of MIX) {
      if (r < share) return kind;
      r -= share;
    }
    return 'valid';
  };

  const agent = new Agent({ connections: CONCURRENCY, pipelining: 1, keepAliveTimeout: 10_000 });
  const latencies = [];
  const counts = Object.fromEntries(MIX.map(([k]) => [k, 0]));
  const unexpected = [];
  let closedEarly = 0;
  const sentValid = new Map(); // experiment id -> deliveries sent
  const rss = [];
  const sampler = setInterval(async () => rss.push(await rssMb(child.pid)), 1000);
  rss.push(await rssMb(child.pid));

  const deadline = performance.now() + SECONDS * 1000;
  let total = 0;
  const worker = async () => {
    while (performance.now() < deadline && exited === null) {
      const kind = pick();
      const i = Math.floor(random() * ids.length);
      let body;
      let type = 'application/json';
      if (kind === 'valid') body = validBodies[i];
      else if (kind === 'bad-signature') body = badBodies[i];
      else if (kind === 'oversized') body = oversized[Math.floor(random() * oversized.length)];
      else [type, body] = malformed[Math.floor(random() * malformed.length)];
      const started = performance.now();
      let status;
      try {
        const res = await request(target, { method: 'POST', headers: { 'content-type': type }, body, dispatcher: agent });
        status = res.statusCode;
        await res.body.dump();
      } catch (error) {
        status = `error ${error.code ?? error.message}`;
      }
      latencies.push(performance.now() - started);
      total++;
      counts[kind]++;
      if (kind === 'valid' && status === 202) sentValid.set(ids[i], (sentValid.get(ids[i]) ?? 0) + 1);
      // The server answers 413 and stops reading; a client still writing a 1 MiB
      // body may see the connection closed under it instead of the answer.
      if (kind === 'oversized' && /^error (EPIPE|ECONNRESET|UND_ERR_SOCKET)/.test(String(status))) closedEarly++;
      else if (!EXPECTED[kind].includes(status)) unexpected.push(`${kind}: ${status}`);
    }
  };
  const loadStart = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - loadStart) / 1000;

  // Let the background queue drain: every experiment handled after its last delivery.
  const parsed = () => logLines.map((l) => { try { return JSON.parse(l); } catch { return {}; } });
  const drained = () => {
    const lastDelivery = new Map();
    const lastProcessed = new Map();
    parsed().forEach((e, index) => {
      if (e.msg === 'delivery' && e.status === 202 && typeof e.experiment_id === 'number') lastDelivery.set(e.experiment_id, index);
      if ((e.msg === 'processed' || e.msg === 'failed') && typeof e.experiment_id === 'number') lastProcessed.set(e.experiment_id, index);
    });
    const pending = [...lastDelivery].filter(([id, at]) => !((lastProcessed.get(id) ?? -1) > at));
    return { pending, lastDelivery };
  };
  const drainStart = performance.now();
  while (drained().pending.length > 0 && performance.now() - drainStart < 60_000) await new Promise((r) => setTimeout(r, 200));
  const drainSeconds = (performance.now() - drainStart) / 1000;
  clearInterval(sampler);
  rss.push(await rssMb(child.pid));

  const entries = parsed();
  const logged202 = entries.filter((e) => e.msg === 'delivery' && e.status === 202 && e.event === 'experiment.status.updated').length;
  const validSent = [...sentValid.values()].reduce((a, b) => a + b, 0);
  const { pending } = drained();
  const failedJobs = entries.filter((e) => e.msg === 'failed').length;
  const actions = {};
  for (const e of entries) if (e.msg === 'processed') actions[e.action] = (actions[e.action] ?? 0) + 1;
  const branches = git(repo, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/eppo-gitops/outcome/').toString().trim().split('\n').filter(Boolean);

  child.kill('SIGTERM');
  const exit = await new Promise((resolve) => (exited ? resolve(exited) : child.on('exit', (code, signal) => resolve({ code, signal }))));

  const steady = rss.slice(Math.max(1, Math.floor(rss.length / 4)));
  console.log(`mix over ${elapsed.toFixed(1)} s at concurrency ${CONCURRENCY}: ${Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  console.log(`throughput: ${(total / elapsed).toFixed(0)} req/s (${total} requests)`);
  report('p50 latency', percentile(latencies, 50), 'ms');
  report('p99 latency', percentile(latencies, 99), 'ms');
  console.log(`server RSS: start ${rss[0].toFixed(1)} MB, peak ${Math.max(...rss).toFixed(1)} MB, end ${rss.at(-1).toFixed(1)} MB (steady-state min ${Math.min(...steady).toFixed(1)} / max ${Math.max(...steady).toFixed(1)} MB, ${rss.length} samples)`);
  console.log(`valid deliveries: ${validSent} sent and answered 202, ${logged202} logged as accepted; ${sentValid.size} experiments, ${pending.length} left unprocessed after ${drainSeconds.toFixed(1)} s drain; background results ${JSON.stringify(actions)}, ${failedJobs} failed jobs; ${branches.length} outcome branches (expected ${CONCLUDED})`);
  console.log(`oversized bodies cut off by the server before the 413 was read: ${closedEarly}`);
  console.log(`unexpected answers: ${unexpected.length}${unexpected.length ? ` (${[...new Set(unexpected)].slice(0, 5).join('; ')})` : ''}; server exit: ${JSON.stringify(exit)}`);
  const ok =
    exit.code === 0 &&
    unexpected.length === 0 &&
    pending.length === 0 &&
    failedJobs === 0 &&
    logged202 === validSent &&
    branches.length === CONCLUDED &&
    Math.max(...steady) < 2 * Math.min(...steady) + 50;
  console.log(ok ? 'serve load: ok (no crash, all answers as expected, every valid delivery processed, memory stable)' : 'serve load: FAILED');
  await agent.close();
  process.exitCode = ok ? 0 : 1;
} finally {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await emu.close();
  await rm(repo, { recursive: true, force: true });
}

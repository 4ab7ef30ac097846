// plan and apply against the emulator (startEmulator with latencyMs), which
// runs in a child process so that every figure (time, CPU, peak RSS) is the
// client's own:
// - plan of 10,000 definitions against 10,000 experiments (about 300 renamed in
//   git), no added latency: < 5 s and < 500 MB peak RSS;
// - the same plan with 100 ms added to every request: < 2 s, next to the
//   network floor (the list pages Eppo must serve, read `parallelism` at once);
// - apply of 1,000 creates at 20 ms per request, parallelism 8: at most 1.3 x
//   the floor of 1,000 x 20 ms / 8.
// Each measured run is a fresh process, cold as the CLI is, timed from the call
// of main() (which loads the command's modules; that share is printed too);
// the figure is the median of RUNS runs (default 3). The machine is shared:
// the load average is printed with the figures, CPU time next to wall time,
// and apply next to a bare HTTP client and server run in turn with it.
//   npm run bench -- plan          RUNS=5 npm run bench -- plan
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { report } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');

const TOTAL = 10_000;
const CHANGED = 300;
const PLAN_LATENCY_MS = 100;
const PLAN_PARALLELISM = 4;
const CREATES = 1_000;
const APPLY_LATENCY_MS = 20;
const APPLY_PARALLELISM = 8;
const RUNS = Math.max(1, Number(process.env.RUNS ?? 3));
const KEY = 'bench-key';

const key = (i) => `exp-${String(i).padStart(5, '0')}`;

// --- one measured run (a child process of the bench) --------------------------
if (process.argv[2] === '--measure') {
  const [cwd, baseUrl, ...args] = process.argv.slice(3);
  const { main } = await import(join(dist, 'cli', 'main.js'));
  let err = '';
  const io = {
    stdout: { write: () => true },
    stderr: { write: (s) => void (err += s.length < 10_000 ? s : '') },
    env: { EPPO_API_KEY: KEY, EPPO_BASE_URL: baseUrl },
    cwd,
  };
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const code = await main(args, io);
  const ms = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  process.stdout.write(`${JSON.stringify({ code, ms, cpuMs: (used.user + used.system) / 1000, rssMb: process.resourceUsage().maxRSS / 1024, err: err.slice(-2000) })}\n`);
  process.exit(0);
}
// The emulator, as Eppo: startEmulator() in its own process, without the
// per-request log lines the `emulator` command writes (Eppo's own logging is
// not part of what plan and apply cost).
if (process.argv[2] === '--emulator') {
  const { startEmulator } = await import(join(dist, 'emulator', 'index.js'));
  const emulator = await startEmulator({ port: 0, latencyMs: Number(process.argv[3]), apiKeys: [{ key: KEY, access: 'read-write' }] });
  console.log(`listening on ${emulator.url}`);
  process.on('SIGTERM', () => void emulator.close().then(() => process.exit(0)));
  await new Promise(() => {}); // serve until stopped; the bench below is the parent's
}
// The peer of apply: a bare node:http server that answers after the same
// latency, and a bare undici Pool posting the same bodies, as many at once
// (modules loaded before the clock starts). What it takes over the floor is
// what Node's HTTP stack and this machine cost at the moment.
if (process.argv[2] === '--bare-server') {
  const { createServer } = await import('node:http');
  let id = 0;
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () =>
      setTimeout(() => {
        const reply = JSON.stringify({ ...JSON.parse(text), id: ++id });
        res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) });
        res.end(reply);
      }, Number(process.argv[3])),
    );
  });
  server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}/api/v1`));
  process.on('SIGTERM', () => process.exit(0));
  await new Promise(() => {}); // serve until stopped; the bench below is the parent's
}
if (process.argv[2] === '--bare-client') {
  const [origin, count, parallelism] = [process.argv[3], Number(process.argv[4]), Number(process.argv[5])];
  const { Pool } = await import('undici');
  const pool = new Pool(origin);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: parallelism }, async () => {
      while (next < count) {
        const res = await pool.request({ path: '/api/v1/experiments', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body(next++)) });
        JSON.parse(await res.body.text());
      }
    }),
  );
  process.stdout.write(`${JSON.stringify({ ms: performance.now() - t0 })}\n`);
  process.exit(0);
}
// How long main() spends loading a command's modules, which the figures include.
if (process.argv[2] === '--load') {
  const t0 = performance.now();
  await import(join(dist, 'cli', 'commands', `${process.argv[3]}.js`));
  process.stdout.write(`${JSON.stringify({ ms: performance.now() - t0 })}\n`);
  process.exit(0);
}

// --- the bench ------------------------------------------------------------------
function body(i) {
  return {
    name: `Experiment ${i}`,
    experiment_key: key(i),
    entity_id: 1,
    assignment_source_id: 1,
    assignments_start_date: '2026-01-05T00:00:00.000Z',
    hypothesis: `Variation B raises conversion for cohort ${i}.`,
    traffic_allocation: 1,
    variations: [
      { name: 'Control', variant_key: 'control', is_control: true, weighted_expected_traffic: 0.5, is_active: true },
      { name: 'Treatment', variant_key: 'treatment', is_control: false, weighted_expected_traffic: 0.5, is_active: true },
    ],
    metrics: [
      { metric_id: 1, is_primary: true },
      { metric_id: 2, is_primary: false },
    ],
  };
}

function yaml(i, changed) {
  return `experiment_key: ${key(i)}
name: Experiment ${i}${changed ? ' (renamed)' : ''}
hypothesis: Variation B raises conversion for cohort ${i}.
entity: user
assignment_source: User assignments
assignments_start_date: 2026-01-05
traffic_allocation: 1
variations:
  - variant_key: control
    name: Control
    is_control: true
    weight: 0.5
  - variant_key: treatment
    name: Treatment
    weight: 0.5
metrics:
  - metric: Checkout conversion
    is_primary: true
  - metric: Revenue per user
`;
}

/** The emulator with `latencyMs` added to every API request. */
const emulatorArgs = (latencyMs) => [fileURLToPath(import.meta.url), '--emulator', String(latencyMs)];

/** Starts a server in a child process; resolves once it prints "listening on URL". */
function startServer(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ url: m[1], origin: new URL(m[1]).origin, stop: () => child.kill('SIGTERM') });
    });
    child.on('exit', (code) => reject(new Error(`emulator exited ${code}`)));
  });
}

async function seed(emu, count) {
  for (let i = 0; i < count; i += 500) {
    const items = Array.from({ length: Math.min(500, count - i) }, (_, j) => body(i + j));
    const res = await request(`${emu.origin}/__emulator/experiments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(items),
    });
    if (res.statusCode !== 201) throw new Error(`seeding failed: ${res.statusCode} ${await res.body.text()}`);
    await res.body.dump();
  }
}

async function writeDefinitions(dir, count, changedEvery) {
  await mkdir(join(dir, 'experiments'), { recursive: true });
  for (let i = 0; i < count; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, count - i) }, (_, j) =>
        writeFile(join(dir, 'experiments', `${key(i + j)}.yaml`), yaml(i + j, changedEvery > 0 && (i + j) % changedEvery === 0)),
      ),
    );
  }
}

/** Runs this file in a fresh process with `args`; resolves with the JSON line it prints. */
function child(args) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (chunk) => (out += chunk));
    proc.on('exit', (code) => {
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`${args.join(' ')} failed (exit ${code}): ${out}`));
      }
    });
  });
}

/** Runs `main(args)` once in a fresh process; resolves with what it measured. */
const measure = (cwd, baseUrl, args) => child(['--measure', cwd, baseUrl, ...args]);

/** Median time to load a command's modules, each in a fresh process. */
async function loadMs(command) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push((await child(['--load', command])).ms);
  return median(runs);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const ms = (v) => `${v.toFixed(0)} ms`;

/** The plan's list reads: pages until the first short one; the first alone, then `parallelism` at once. */
function networkFloor(items, pageSize, parallelism, latencyMs) {
  const pages = Math.floor(items / pageSize) + 1;
  const trips = 1 + Math.ceil((pages - 1) / parallelism);
  return { pages, trips, ms: trips * latencyMs };
}

async function printRuns(label, runs, command) {
  console.log(`${label}: ${runs.map((r) => `${ms(r.ms)} (cpu ${ms(r.cpuMs)})`).join(', ')}; of which loading the ${command} command's modules: about ${ms(await loadMs(command))}`);
}

const { PAGE_LIMIT } = await import(join(dist, 'eppo', 'index.js'));
const { main } = await import(join(dist, 'cli', 'main.js'));
console.log(`load average at start: ${load()} (2 cores; RUNS=${RUNS})`);
const work = await mkdtemp(join(tmpdir(), 'eppo-gitops-bench-'));
try {
  // --- plan -----------------------------------------------------------------
  const planDir = join(work, 'plan');
  const every = Math.floor(TOTAL / CHANGED);
  const [plain, slow] = await Promise.all([startServer(emulatorArgs(0)), startServer(emulatorArgs(PLAN_LATENCY_MS))]);
  try {
    await Promise.all([seed(plain, TOTAL), seed(slow, TOTAL), writeDefinitions(planDir, TOTAL, every)]);
    const planArgs = ['plan', '--format', 'json', '--out', 'plan.json', '--detailed-exitcode', '--parallelism', String(PLAN_PARALLELISM)];

    const first = await measure(planDir, plain.url, planArgs);
    if (first.code !== 2) throw new Error(`plan exited ${first.code}: ${first.err}`);
    const plan = JSON.parse(await readFile(join(planDir, 'plan.json'), 'utf8'));
    console.log(`plan summary: ${JSON.stringify(plan.summary)}`);
    const expected = Math.ceil(TOTAL / every);
    if (plan.summary.update !== expected || plan.summary.unchanged !== TOTAL - expected) throw new Error(`expected ${expected} updates`);
    report('plan 10,000 definitions vs 10,000 experiments', first.ms, 'ms', 5000);
    report('plan peak RSS (whole process)', first.rssMb, 'MB', 500);

    const floor = networkFloor(TOTAL, PAGE_LIMIT, PLAN_PARALLELISM, PLAN_LATENCY_MS);
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      const run = await measure(planDir, slow.url, planArgs);
      if (run.code !== 2) throw new Error(`plan exited ${run.code}: ${run.err}`);
      runs.push(run);
    }
    const figure = median(runs.map((r) => r.ms));
    await printRuns(`plan at ${PLAN_LATENCY_MS} ms per request, runs`, runs, 'plan');
    console.log(
      `network floor: ${ms(floor.ms)} (${floor.pages} pages of ${PAGE_LIMIT} experiments, the first alone then ${PLAN_PARALLELISM} at once: ${floor.trips} round trips x ${PLAN_LATENCY_MS} ms; the other lists go alongside the first page)`,
    );
    report(`plan at ${PLAN_LATENCY_MS} ms per request (median; ${(figure / floor.ms).toFixed(2)}x the network floor)`, figure, 'ms', 2000);
  } finally {
    plain.stop();
    slow.stop();
  }

  // --- apply: 1,000 creates, 20 ms latency, parallelism 8 -------------------
  const applyDir = join(work, 'apply');
  await writeDefinitions(applyDir, CREATES, 0);
  const floorMs = (CREATES * APPLY_LATENCY_MS) / APPLY_PARALLELISM;
  const runs = [];
  const bare = [];
  for (let i = 0; i < RUNS; i++) {
    const emu = await startServer(emulatorArgs(APPLY_LATENCY_MS));
    try {
      const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: { EPPO_API_KEY: KEY, EPPO_BASE_URL: emu.url }, cwd: applyDir };
      if ((await main(['plan', '--out', 'plan.json'], io)) !== 0) throw new Error('plan before apply failed');
      const run = await measure(applyDir, emu.url, ['apply', 'plan.json', '--parallelism', String(APPLY_PARALLELISM), '--format', 'json']);
      if (run.code !== 0) throw new Error(`apply exited ${run.code}: ${run.err}`);
      if ((await main(['plan', '--detailed-exitcode'], io)) !== 0) throw new Error('plan after apply still has changes');
      runs.push(run);
    } finally {
      emu.stop();
    }
    const server = await startServer([fileURLToPath(import.meta.url), '--bare-server', String(APPLY_LATENCY_MS)]);
    try {
      bare.push((await child(['--bare-client', server.origin, String(CREATES), String(APPLY_PARALLELISM)])).ms);
    } finally {
      server.stop();
    }
  }
  const figure = median(runs.map((r) => r.ms));
  await printRuns(`apply ${CREATES} creates, runs`, runs, 'apply');
  console.log(`apply floor: ${ms(floorMs)} (${CREATES} creates x ${APPLY_LATENCY_MS} ms / parallelism ${APPLY_PARALLELISM})`);
  const peer = median(bare);
  console.log(
    `peer: a bare node:http server and undici Pool, same bodies, latency and parallelism: ${bare.map(ms).join(', ')}; median ${ms(peer)}, ${(peer / floorMs).toFixed(2)}x the floor (apply is ${(figure / peer).toFixed(2)}x the peer)`,
  );
  const ratio = figure / floorMs;
  console.log(
    `apply ${CREATES.toLocaleString('en-US')} creates (${APPLY_LATENCY_MS} ms latency, parallelism ${APPLY_PARALLELISM}): ${ms(figure)} (median), ${ratio.toFixed(2)}x the floor  (target <= 1.30x: ${ratio <= 1.3 ? 'ok' : 'MISSED'})`,
  );
} finally {
  await rm(work, { recursive: true, force: true });
  console.log(`load average at end: ${load()}`);
}

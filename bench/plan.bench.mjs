// plan: 10,000 definitions against an emulator holding 10,000 experiments (about
// 300 of them renamed in git): plan < 5 s and < 500 MB peak RSS. The emulator runs
// in a child process, so the RSS figure is the plan's own.
// apply: 1,000 creates with 20 ms emulator latency per request at parallelism 8 < 10 s.
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { peakRssMb, report, timed } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');
const { main } = await import(join(dist, 'cli', 'main.js'));
const { startEmulator } = await import(join(dist, 'emulator', 'index.js'));

const TOTAL = 10_000;
const CHANGED = 300;
const CREATES = 1_000;
const KEY = 'bench-key';

const key = (i) => `exp-${String(i).padStart(5, '0')}`;

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

function startChildEmulator() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(dist, 'cli', 'bin.js'), 'emulator', '--port', '0', '--api-key', KEY], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1], origin: new URL(m[1]).origin });
    });
    child.on('exit', (code) => reject(new Error(`emulator exited ${code}`)));
  });
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

function captureIo(cwd, env) {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (s) => (out += s.length < 10_000 ? s : '') }, stderr: { write: (s) => (err += s) }, env, cwd },
    out: () => out,
    err: () => err,
  };
}

const work = await mkdtemp(join(tmpdir(), 'eppo-gitops-bench-'));
const emu = await startChildEmulator();
try {
  // --- plan ---------------------------------------------------------------
  for (let i = 0; i < TOTAL; i += 500) {
    const items = Array.from({ length: Math.min(500, TOTAL - i) }, (_, j) => body(i + j));
    const res = await request(`${emu.origin}/__emulator/experiments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(items),
    });
    if (res.statusCode !== 201) throw new Error(`seeding failed: ${res.statusCode} ${await res.body.text()}`);
    await res.body.dump();
  }
  const planDir = join(work, 'plan');
  const every = Math.floor(TOTAL / CHANGED);
  await writeDefinitions(planDir, TOTAL, every);
  globalThis.gc?.();
  const baseRss = peakRssMb();
  const cap = captureIo(planDir, { EPPO_API_KEY: KEY, EPPO_BASE_URL: emu.url });
  const [code, ms] = await timed(() => main(['plan', '--format', 'json', '--out', 'plan.json', '--detailed-exitcode'], cap.io));
  if (code !== 2) throw new Error(`plan exited ${code}: ${cap.err()}`);
  const { readFile } = await import('node:fs/promises');
  const plan = JSON.parse(await readFile(join(planDir, 'plan.json'), 'utf8'));
  console.log(`plan summary: ${JSON.stringify(plan.summary)}`);
  const expected = Math.ceil(TOTAL / every);
  if (plan.summary.update !== expected || plan.summary.unchanged !== TOTAL - expected) throw new Error(`expected ${expected} updates`);
  report('plan 10,000 definitions vs 10,000 experiments', ms, 'ms', 5000);
  report('plan peak RSS (whole process)', peakRssMb(), 'MB', 500);
  console.log(`(RSS before plan: ${baseRss.toFixed(1)} MB)`);
} finally {
  emu.child.kill('SIGTERM');
}

// --- apply: 1,000 creates, 20 ms latency, parallelism 8 ----------------------
const slow = await startEmulator({ port: 0, latencyMs: 20, apiKeys: [{ key: KEY, access: 'read-write' }] });
try {
  const applyDir = join(work, 'apply');
  await writeDefinitions(applyDir, CREATES, 0);
  const cap = captureIo(applyDir, { EPPO_API_KEY: KEY, EPPO_BASE_URL: slow.url });
  const [planCode] = await timed(() => main(['plan', '--out', 'plan.json'], cap.io));
  if (planCode !== 0) throw new Error(`plan exited ${planCode}: ${cap.err()}`);
  const [code, ms] = await timed(() => main(['apply', 'plan.json', '--parallelism', '8', '--format', 'json'], cap.io));
  if (code !== 0) throw new Error(`apply exited ${code}: ${cap.err().slice(-2000)}`);
  const check = captureIo(applyDir, { EPPO_API_KEY: KEY, EPPO_BASE_URL: slow.url });
  const after = await main(['plan', '--detailed-exitcode'], check.io);
  if (after !== 0) throw new Error(`plan after apply exited ${after}`);
  report('apply 1,000 creates (20 ms latency, parallelism 8)', ms, 'ms', 10_000);
} finally {
  await slow.close();
  await rm(work, { recursive: true, force: true });
}

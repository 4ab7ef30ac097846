// validate: 10,000 generated definition files.
// 1. `eppo-gitops validate` against ajv-cli (YAML parse + JSON Schema only: no
//    line numbers, no rules) on the same files, each a fresh process, in
//    alternating rounds; prints the median wall and CPU time of each, the
//    ratio (target: ours at most 0.75x ajv-cli's) and our peak RSS (< 200 MB).
// 2. The loader in this process: wall time, CPU time and peak RSS.
// 3. 1,000 flow-style files, which the full YAML parser reads.
// Run with `npm run build && node bench/run.mjs validate`; VALIDATE_ROUNDS sets
// the number of rounds (default 5).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { peakRssMb, report, timed } from './lib.mjs';

const COUNT = 10_000;
const ROUNDS = Number(process.env.VALIDATE_ROUNDS ?? 5);
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'dist/cli/bin.js');
const ajvCli = join(dirname(createRequire(import.meta.url).resolve('ajv-cli/package.json')), 'dist/index.js');
const schema = join(root, 'schemas/experiment.schema.json');
const rssHook = fileURLToPath(new URL('./report-rss.mjs', import.meta.url));
const { loadDefinitions } = await import('../dist/definitions/index.js');

function dirname(path) {
  return path.slice(0, path.lastIndexOf('/'));
}

// Dates are quoted: ajv-cli reads YAML 1.1 (js-yaml 3), which turns a plain
// 2026-01-05 into a Date and fails the schema. Quoted, both read the same text.
function definition(i, flow) {
  const key = `exp-${String(i).padStart(5, '0')}`;
  const three = i % 3 === 0;
  const metrics = flow
    ? 'metrics: [{metric: Checkout conversion, is_primary: true}, {metric: Revenue per user}]\n'
    : 'metrics:\n  - metric: Checkout conversion\n    is_primary: true\n  - metric: Revenue per user\n';
  return `# yaml-language-server: $schema=../../schemas/experiment.schema.json
experiment_key: ${key}
name: Experiment ${i}
hypothesis: >-
  Variant ${i} raises checkout conversion by making the next step obvious.
entity: user
assignment_source: User assignments
assignments_start_date: "2026-01-${String((i % 28) + 1).padStart(2, '0')}"
${i % 2 === 0 ? 'assignments_end_date: "2026-06-30T12:00:00Z"\n' : ''}traffic_allocation: 0.8
variations:
  - variant_key: control
    name: Control
    is_control: true
    weight: 0.5
  - variant_key: treatment
    name: Treatment
    weight: ${three ? 0.3 : 0.5}
${three ? '  - variant_key: treatment-b\n    weight: 0.2\n' : ''}${metrics}`;
}

// Block style, as the docs and examples write it, takes the fast reader. Flow
// style (`[...]`, `{...}`) is left to the full YAML parser.
async function generate(dir, count, flow) {
  for (let team = 0; team < 100; team++) await mkdir(join(dir, `team-${team}`), { recursive: true });
  const keys = Array.from({ length: count }, (_, i) => i);
  for (let start = 0; start < count; start += 500) {
    await Promise.all(keys.slice(start, start + 500).map((i) => writeFile(join(dir, `team-${i % 100}`, `exp-${String(i).padStart(5, '0')}.yaml`), definition(i, flow))));
  }
}

/** CPU time of this process's waited-for children so far, in ms (Linux /proc), else undefined. */
function childrenCpuMs() {
  if (!existsSync('/proc/self/stat')) return undefined;
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  // fields[0] is the state (field 3); cutime and cstime are fields 16 and 17, in clock ticks (100 a second on Linux).
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
}

/** One run of a command in a fresh process: wall ms, CPU ms, peak RSS MB and output (stdout ignored with `quiet`). */
function run(args, cwd, quiet = false) {
  const cpuBefore = childrenCpuMs();
  const start = performance.now();
  const r = spawnSync(process.execPath, ['--import', rssHook, ...args], { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', quiet ? 'ignore' : 'pipe', 'pipe'] });
  const ms = performance.now() - start;
  const cpuAfter = childrenCpuMs();
  const rss = /\nbench-peak-rss-mb=([\d.]+)\n?$/.exec(r.stderr);
  return { ms, cpuMs: cpuBefore === undefined ? NaN : cpuAfter - cpuBefore, rssMb: rss ? Number(rss[1]) : NaN, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ratio(name, value, target) {
  console.log(`${name}: ${value.toFixed(2)}x  (target <= ${target}x: ${value <= target ? 'ok' : 'MISSED'})`);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const tmp = await mkdtemp(join(tmpdir(), 'eppo-gitops-bench-validate-'));
try {
  await generate(join(tmp, 'experiments'), COUNT, false);
  await generate(join(tmp, 'flow'), 1000, true);

  const ours = [];
  const theirs = [];
  const runOurs = () => {
    const r = run([bin, 'validate'], tmp);
    if (r.status !== 0 || !r.stdout.includes(`${COUNT} files checked: no problems`)) {
      console.error(`unexpected validate result (exit ${r.status}):\n${r.stdout.slice(0, 2000)}${r.stderr.slice(0, 2000)}`);
      process.exitCode = 1;
    }
    ours.push(r);
  };
  const runTheirs = () => {
    // ajv-cli prints a line per file, and exits 1 when one is invalid. Its output goes nowhere: writing it
    // to a pipe costs ajv-cli time (and it exits before a pipe takes all of it).
    const r = run([ajvCli, 'validate', '--spec=draft2020', '-s', schema, '-d', 'experiments/**/*.yaml', '-c', 'ajv-formats'], tmp, true);
    if (r.status !== 0 || / invalid$/m.test(r.stderr)) {
      console.error(`unexpected ajv-cli result (exit ${r.status}):\n${r.stderr.slice(0, 2000)}`);
      process.exitCode = 1;
    }
    theirs.push(r);
  };
  // Alternate which goes first, so a change in the machine's load hits both alike.
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      runOurs();
      runTheirs();
    } else {
      runTheirs();
      runOurs();
    }
  }
  const oursMs = median(ours.map((r) => r.ms));
  const theirsMs = median(theirs.map((r) => r.ms));
  const oursCpu = median(ours.map((r) => r.cpuMs));
  const theirsCpu = median(theirs.map((r) => r.cpuMs));
  console.log(`validate vs ajv-cli: ${COUNT} files, median of ${ROUNDS} alternating rounds, each a fresh process`);
  report('validate 10k files CLI wall time', oursMs, 'ms');
  report('ajv-cli 10k files wall time', theirsMs, 'ms');
  ratio('validate / ajv-cli wall time', oursMs / theirsMs, 0.75);
  report('validate 10k files CLI CPU time (user + system)', oursCpu, 'ms');
  report('ajv-cli 10k files CPU time (user + system)', theirsCpu, 'ms');
  ratio('validate / ajv-cli CPU time', oursCpu / theirsCpu, 0.75);
  report('validate 10k files CLI peak RSS', Math.max(...ours.map((r) => r.rssMb)), 'MB', 200);
  report('ajv-cli 10k files peak RSS', Math.max(...theirs.map((r) => r.rssMb)), 'MB');

  globalThis.gc?.();
  const cpuBefore = process.cpuUsage();
  const [result, ms] = await timed(() => loadDefinitions({ cwd: tmp }));
  const cpu = process.cpuUsage(cpuBefore);
  if (result.files !== COUNT || result.definitions.length !== COUNT || result.problems.length !== 0) {
    console.error(`unexpected result: ${result.files} files, ${result.definitions.length} definitions, ${result.problems.length} problems`);
    console.error(result.problems.slice(0, 5));
    process.exitCode = 1;
  }
  console.log(`loaded ${result.files} files in this process: ${result.definitions.length} definitions, ${result.problems.length} problems`);
  report('load 10k files wall time', ms, 'ms', 2000);
  report('load 10k files peak RSS', peakRssMb(), 'MB', 300);
  // CPU time is steadier than wall time when other processes share the machine.
  report('load 10k files CPU time (user + system)', (cpu.user + cpu.system) / 1000, 'ms');
  const [flow, flowMs] = await timed(() => loadDefinitions({ cwd: tmp, dir: 'flow' }));
  if (flow.definitions.length !== 1000) {
    console.error(`unexpected flow-style result: ${flow.definitions.length} definitions, ${flow.problems.length} problems`);
    process.exitCode = 1;
  }
  report('load 1k flow-style files (full YAML parser) wall time', flowMs, 'ms');
} finally {
  await rm(tmp, { recursive: true, force: true });
}

// validate: generate 10,000 definition files, load them with the built loader,
// print wall time and peak RSS. Targets: < 2 s, < 300 MB (on a 2-core machine).
// Run with `npm run build && node bench/run.mjs validate`.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peakRssMb, report, timed } from './lib.mjs';

const COUNT = 10_000;
const { loadDefinitions } = await import('../dist/definitions/index.js');

function definition(i) {
  const key = `exp-${String(i).padStart(5, '0')}`;
  const three = i % 3 === 0;
  return `# yaml-language-server: $schema=../../schemas/experiment.schema.json
experiment_key: ${key}
name: Experiment ${i}
hypothesis: >-
  Variant ${i} raises checkout conversion by making the next step obvious.
entity: user
assignment_source: User assignments
assignments_start_date: 2026-01-${String((i % 28) + 1).padStart(2, '0')}
${i % 2 === 0 ? 'assignments_end_date: 2026-06-30T12:00:00Z\n' : ''}traffic_allocation: 0.8
variations:
  - variant_key: control
    name: Control
    is_control: true
    weight: ${three ? 0.5 : 0.5}
  - variant_key: treatment
    name: Treatment
    weight: ${three ? 0.3 : 0.5}
${three ? '  - variant_key: treatment-b\n    weight: 0.2\n' : ''}${metrics(i)}`;
}

// Block style, as the docs and examples write it, takes the fast reader. Flow
// style (`[...]`, `{...}`) is left to the full YAML parser; a second, smaller
// run measures that path on its own.
let flowStyle = false;
function metrics() {
  if (flowStyle) return 'metrics: [{metric: Checkout conversion, is_primary: true}, {metric: Revenue per user}]\n';
  return 'metrics:\n  - metric: Checkout conversion\n    is_primary: true\n  - metric: Revenue per user\n';
}

async function generate(dir, count) {
  for (let team = 0; team < 100; team++) await mkdir(join(dir, `team-${team}`), { recursive: true });
  const keys = Array.from({ length: count }, (_, i) => i);
  for (let start = 0; start < count; start += 500) {
    await Promise.all(keys.slice(start, start + 500).map((i) => writeFile(join(dir, `team-${i % 100}`, `exp-${String(i).padStart(5, '0')}.yaml`), definition(i))));
  }
}

const root = await mkdtemp(join(tmpdir(), 'eppo-gitops-bench-validate-'));
try {
  await generate(join(root, 'experiments'), COUNT);
  flowStyle = true;
  await generate(join(root, 'flow'), 1000);
  globalThis.gc?.();
  const cpuBefore = process.cpuUsage();
  const [result, ms] = await timed(() => loadDefinitions({ cwd: root }));
  const cpu = process.cpuUsage(cpuBefore);
  if (result.files !== COUNT || result.definitions.length !== COUNT || result.problems.length !== 0) {
    console.error(`unexpected result: ${result.files} files, ${result.definitions.length} definitions, ${result.problems.length} problems`);
    console.error(result.problems.slice(0, 5));
    process.exitCode = 1;
  }
  console.log(`validated ${result.files} files: ${result.definitions.length} definitions, ${result.problems.length} problems`);
  report('validate 10k files wall time', ms, 'ms', 2000);
  report('validate 10k files peak RSS', peakRssMb(), 'MB', 300);
  // CPU time is steadier than wall time when other processes share the machine.
  report('validate 10k files CPU time (user + system)', (cpu.user + cpu.system) / 1000, 'ms');
  const [flow, flowMs] = await timed(() => loadDefinitions({ cwd: root, dir: 'flow' }));
  if (flow.definitions.length !== 1000) {
    console.error(`unexpected flow-style result: ${flow.definitions.length} definitions, ${flow.problems.length} problems`);
    process.exitCode = 1;
  }
  report('validate 1k flow-style files (full YAML parser) wall time', flowMs, 'ms');
} finally {
  await rm(root, { recursive: true, force: true });
}

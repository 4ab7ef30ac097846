// flags: how fast flag files are read (flagd-core's strict validation included),
// what one measured split costs (100,000 flagd-core evaluations), and what the
// flag checks add to `validate` of 10,000 definition files, each matched to a
// flag with a plain fractional, measured against the same validate without
// flags in the same run. Targets (2-core machine): a measured split <= 100 ms;
// validate with flags <= 1.5x validate without.
// Run with `npm run build && node bench/run.mjs flags`.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { report, timed } from './lib.mjs';

const { buildFlagSet, buildServedSplit, clearFlagdCache, clearServedSplitCache, readFlagFile } = await import('../dist/flags/index.js');
const { validateRepository } = await import('../dist/validation/index.js');

const FLAGS = 10_000;
const PER_FILE = 100;
const AT = Date.UTC(2026, 5, 1);
const key = (i) => `exp-${String(i).padStart(5, '0')}`;

/** `distinct`: every flag's content differs (its own owner); otherwise flags share one of 100 team metadata. */
function flag(i, distinct) {
  return {
    state: 'ENABLED',
    variants: { control: 'blue', treatment: 'green' },
    defaultVariant: 'control',
    targeting: { fractional: [['control', 50], ['treatment', 50]] },
    metadata: distinct ? { team: `team-${i % 100}`, owner: `owner-${i}` } : { team: `team-${i % 100}` },
  };
}

function jsonFile(first, distinct = false) {
  const flags = {};
  for (let i = first; i < first + PER_FILE; i++) flags[key(i)] = flag(i, distinct);
  return `${JSON.stringify({ flags }, null, 2)}\n`;
}

function yamlFile(first) {
  const lines = ['flags:'];
  for (let i = first; i < first + PER_FILE; i++) {
    lines.push(
      `  ${key(i)}:`,
      '    state: ENABLED',
      '    variants:',
      '      control: blue',
      '      treatment: green',
      '    defaultVariant: control',
      '    targeting:',
      '      fractional:',
      '        - [control, 50]',
      '        - [treatment, 50]',
      '    metadata:',
      `      team: team-${i % 100}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function readAll(texts, ext) {
  return texts.map((text, n) => readFlagFile(`flags/part-${n}.flagd.${ext}`, text));
}

const starts = Array.from({ length: FLAGS / PER_FILE }, (_, n) => n * PER_FILE);
const jsonTexts = starts.map((s) => jsonFile(s));
const distinctTexts = starts.map((s) => jsonFile(s, true));
const yamlTexts = starts.map(yamlFile);
readAll(jsonTexts.slice(0, 2), 'json'); // warm up the code paths once
clearFlagdCache();

globalThis.gc?.();
const [jsonFiles, jsonMs] = await timed(() => readAll(jsonTexts, 'json'));
clearFlagdCache();
const [distinctFiles, distinctMs] = await timed(() => readAll(distinctTexts, 'json'));
clearFlagdCache();
const [yamlFiles, yamlMs] = await timed(() => readAll(yamlTexts, 'yaml'));
for (const [name, files] of [['json', jsonFiles], ['distinct', distinctFiles], ['yaml', yamlFiles]]) {
  const set = buildFlagSet(files);
  if (set.byKey.size !== FLAGS || set.problems.length !== 0) {
    console.error(`unexpected ${name} result: ${set.byKey.size} flags, ${set.problems.length} problems`, set.problems.slice(0, 3));
    process.exitCode = 1;
  }
}
console.log(`read ${FLAGS} flags in ${starts.length} files of each kind`);
report('JSON flag files (100 distinct flag contents): flags read per second', (FLAGS / jsonMs) * 1000, 'flags/s');
report('JSON flag files (every flag distinct): flags read per second', (FLAGS / distinctMs) * 1000, 'flags/s');
report('YAML flag files: flags read per second', (FLAGS / yamlMs) * 1000, 'flags/s');

// A split that must be measured: a fractional inside an `if`.
const measuredFlag = (i) =>
  readFlagFile(
    'flags/measured.flagd.json',
    JSON.stringify({
      flags: {
        [`measured-${i}`]: {
          state: 'ENABLED',
          variants: { control: 'blue', treatment: 'green', off: 'none' },
          defaultVariant: 'off',
          targeting: { if: [{ starts_with: [{ var: 'targetingKey' }, 'subject-9'] }, 'off', { fractional: [['control', 50], ['treatment', 50]] }] },
        },
      },
    }),
  ).flags[0];
clearServedSplitCache();
buildServedSplit(measuredFlag(-1), AT); // warm up
const times = [];
for (let i = 0; i < 7; i++) {
  const one = measuredFlag(i);
  const [, ms] = await timed(() => buildServedSplit(one, AT));
  times.push(ms);
}
times.sort((a, b) => a - b);
report('one measured split (100,000 evaluations), median of 7', times[3], 'ms', 100);
report('one measured split, fastest of 7', times[0], 'ms');
const cachedFlag = measuredFlag(0);
const [, cachedMs] = await timed(() => {
  for (let i = 0; i < 1000; i++) buildServedSplit(cachedFlag, AT);
});
report('one cached split (same key and content)', (cachedMs / 1000) * 1000, 'µs');

// validate (validateRepository, as the CLI runs it) of 10,000 definition files,
// each matched to a flag with a plain fractional, with and without `flags:`.
function definition(i) {
  return `experiment_key: ${key(i)}
name: Experiment ${i}
entity: user
assignment_source: User assignments
assignments_start_date: 2026-01-05
variations:
  - variant_key: control
    is_control: true
    weight: 0.5
  - variant_key: treatment
    weight: 0.5
`;
}

const root = await mkdtemp(join(tmpdir(), 'eppo-gitops-bench-flags-'));
try {
  for (let team = 0; team < 100; team++) await mkdir(join(root, 'experiments', `team-${team}`), { recursive: true });
  await mkdir(join(root, 'flags'), { recursive: true });
  await mkdir(join(root, 'distinct'), { recursive: true });
  for (let start = 0; start < FLAGS; start += 500) {
    await Promise.all(Array.from({ length: 500 }, (_, j) => start + j).map((i) => writeFile(join(root, 'experiments', `team-${i % 100}`, `${key(i)}.yaml`), definition(i))));
  }
  await Promise.all(starts.map((s, n) => writeFile(join(root, 'flags', `part-${n}.flagd.json`), jsonTexts[n])));
  await Promise.all(starts.map((s, n) => writeFile(join(root, 'distinct', `part-${n}.flagd.json`), distinctTexts[n])));
  const settings = (files) => ({ config: files === undefined ? {} : { flags: { files } }, problems: [] });
  const validate = async (files) => {
    clearFlagdCache();
    clearServedSplitCache();
    globalThis.gc?.();
    const cpu = process.cpuUsage();
    const [v, ms] = await timed(() => validateRepository({ cwd: root, settings: settings(files), at: AT }));
    const used = process.cpuUsage(cpu);
    if (v.definitions.length !== FLAGS || v.problems.length !== 0) {
      console.error(`unexpected validate result: ${v.definitions.length} definitions, ${v.problems.length} problems`, v.problems.slice(0, 3));
      process.exitCode = 1;
    }
    return { ms, cpu: (used.user + used.system) / 1000 };
  };
  await validate(undefined); // warm up
  await validate(['flags/*.flagd.json']);
  const runs = { without: [], with: [], distinct: [] };
  // Alternating rounds, so load from other processes falls on both sides alike.
  for (let round = 0; round < 5; round++) {
    runs.without.push(await validate(undefined));
    runs.with.push(await validate(['flags/*.flagd.json']));
    runs.distinct.push(await validate(['distinct/*.flagd.json']));
  }
  const median = (list, field) => [...list.map((r) => r[field])].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  const without = median(runs.without, 'ms');
  const withFlags = median(runs.with, 'ms');
  const distinct = median(runs.distinct, 'ms');
  report('validate 10k files, no flags (median of 5)', without, 'ms');
  report('validate 10k files + 10k flags in 100 files (median of 5)', withFlags, 'ms');
  report('validate 10k files + 10k flags, every flag distinct (median of 5)', distinct, 'ms');
  report('validate with flags / without (wall)', withFlags / without, 'x', 1.5);
  report('validate with flags / without, every flag distinct (wall)', distinct / without, 'x');
  report('validate with flags / without (CPU time)', median(runs.with, 'cpu') / median(runs.without, 'cpu'), 'x');
  report('validate with flags / without, every flag distinct (CPU time)', median(runs.distinct, 'cpu') / median(runs.without, 'cpu'), 'x');

  // The same as a user runs it: `eppo-gitops validate` in a fresh process, which also loads flagd-core
  // and compiles everything cold. Fastest of 3 alternating runs each.
  const bin = fileURLToPath(new URL('../dist/cli/bin.js', import.meta.url));
  await writeFile(join(root, 'eppo-gitops.yaml'), '');
  const cold = async (config) => {
    await writeFile(join(root, 'eppo-gitops.yaml'), config);
    const started = performance.now();
    const r = spawnSync(process.execPath, [bin, 'validate'], { cwd: root, encoding: 'utf8' });
    const ms = performance.now() - started;
    if (r.status !== 0) {
      console.error(`unexpected validate exit ${r.status}: ${r.stdout}${r.stderr}`.slice(0, 500));
      process.exitCode = 1;
    }
    return ms;
  };
  const coldRuns = { without: [], with: [] };
  for (let round = 0; round < 3; round++) {
    coldRuns.without.push(await cold(''));
    coldRuns.with.push(await cold('flags:\n  files: [flags/*.flagd.json]\n'));
  }
  const fastest = (list) => Math.min(...list);
  report('eppo-gitops validate, fresh process, no flags (fastest of 3)', fastest(coldRuns.without), 'ms');
  report('eppo-gitops validate, fresh process, 10k flags (fastest of 3)', fastest(coldRuns.with), 'ms');
  report('fresh process with flags / without (wall)', fastest(coldRuns.with) / fastest(coldRuns.without), 'x');
} finally {
  await rm(root, { recursive: true, force: true });
}

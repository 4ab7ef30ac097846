// flags: how fast flag files are read (flagd-core's strict validation included),
// what one measured split costs (100,000 flagd-core evaluations), and what the
// flag checks add to validating 10,000 definitions. Targets (2-core machine):
// a measured split <= 100 ms; validate with flags <= 1.5x validate without.
// Run with `npm run build && node bench/run.mjs flags`.
import { report, timed } from './lib.mjs';

const { parseDefinition } = await import('../dist/definitions/index.js');
const { buildFlagSet, buildServedSplit, checkFlags, clearServedSplitCache, readFlagFile } = await import('../dist/flags/index.js');

const FLAGS = 10_000;
const PER_FILE = 100;
const AT = Date.UTC(2026, 5, 1);
const key = (i) => `exp-${String(i).padStart(5, '0')}`;

function flag(i) {
  return {
    state: 'ENABLED',
    variants: { control: 'blue', treatment: 'green' },
    defaultVariant: 'control',
    targeting: { fractional: [['control', 50], ['treatment', 50]] },
    metadata: { team: `team-${i % 100}` },
  };
}

function jsonFile(first) {
  const flags = {};
  for (let i = first; i < first + PER_FILE; i++) flags[key(i)] = flag(i);
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
const jsonTexts = starts.map(jsonFile);
const yamlTexts = starts.map(yamlFile);
readAll(jsonTexts.slice(0, 2), 'json'); // warm up the code paths once

globalThis.gc?.();
const [jsonFiles, jsonMs] = await timed(() => readAll(jsonTexts, 'json'));
const [yamlFiles, yamlMs] = await timed(() => readAll(yamlTexts, 'yaml'));
const set = buildFlagSet(jsonFiles);
if (set.byKey.size !== FLAGS || set.problems.length !== 0 || buildFlagSet(yamlFiles).byKey.size !== FLAGS) {
  console.error(`unexpected result: ${set.byKey.size} flags, ${set.problems.length} problems`, set.problems.slice(0, 3));
  process.exitCode = 1;
}
console.log(`read ${FLAGS} flags in ${starts.length} files of each format`);
report('JSON flag files: flags parsed per second', (FLAGS / jsonMs) * 1000, 'flags/s');
report('YAML flag files: flags parsed per second', (FLAGS / yamlMs) * 1000, 'flags/s');

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

// validate of 10,000 definitions, each matched to a flag with a plain fractional.
const definitionTexts = Array.from(
  { length: FLAGS },
  (_, i) => `experiment_key: ${key(i)}
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
`,
);
const parseAll = () => definitionTexts.map((text, i) => parseDefinition(`experiments/${key(i)}.yaml`, text).definition);
parseAll();
globalThis.gc?.();
const [definitions, withoutMs] = await timed(parseAll);
const [problems, withMs] = await timed(() => {
  const defs = parseAll();
  const flags = buildFlagSet(readAll(jsonTexts, 'json'));
  return checkFlags(defs, flags, { at: AT });
});
if (definitions.some((d) => d === undefined) || problems.length !== 0) {
  console.error(`unexpected result: ${problems.length} problems`, problems.slice(0, 3));
  process.exitCode = 1;
}
report('parse 10k definitions', withoutMs, 'ms');
report('parse 10k definitions + read 10k flags + check them', withMs, 'ms');
report('with flags / without (issue target 1.5; file reads not included)', withMs / withoutMs, 'x', 1.5);

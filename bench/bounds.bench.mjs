// bounds: what a file built to be expensive costs to validate, next to an
// ordinary 1 MB file. Each case runs in its own process (so its peak RSS is
// its own): loadDefinitions + renderProblems, as `validate` does. Prints wall
// and CPU time, peak RSS, problems and output size; the ratio is CPU time
// against the ordinary 1 MB file read by the full YAML parser.
// Run with `npm run build && node bench/run.mjs bounds`.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MiB = 1024 * 1024;
const dist = fileURLToPath(new URL('../dist/definitions/index.js', import.meta.url));
const MAX_YAML_TOKENS = (await import('../dist/definitions/yaml-source.js')).MAX_YAML_TOKENS ?? 200_000;

/** Lines until the text reaches `bytes`. */
function fill(head, line, bytes) {
  const parts = [head];
  let size = head.length;
  for (let i = 0; size < bytes; i++) {
    const next = line(i);
    if (size + next.length > bytes) break;
    parts.push(next);
    size += next.length;
  }
  return parts.join('');
}

const ordinary = (i) => `key_${i}: an ordinary value of a few words\n`;
const CASES = [
  // References: ordinary YAML, read by the fast reader and (one anchor makes the fast reader leave it) by the full parser.
  { name: 'ordinary 1 MB, fast reader', files: [fill('experiment_key: ordinary\n', ordinary, 1_000_000)] },
  { name: 'ordinary 1 MB, full parser', files: [fill('experiment_key: &k ordinary\n', ordinary, 1_000_000)], reference: true },
  { name: '1 MiB of ":" lines', files: [':\n'.repeat(MiB / 2)] },
  // Two tokens a line: just under the budget, the parser reads all of it (the worst case).
  { name: '":" lines just under the token budget', files: [':\n'.repeat(MAX_YAML_TOKENS / 2 - 8)] },
  { name: '1 MiB of "a: [" lines', files: [fill('', () => 'a: [\n', MiB)] },
  { name: '1 MiB flow list [1,1,…]', files: [`a: [${'1,'.repeat(MiB / 2 - 4)}]\n`] },
  { name: '1 MiB of "k: v: w" lines', files: [fill('experiment_key: x\n', () => 'k: v: w\n', MiB)] },
  { name: '1 MiB of tab-indented lines', files: [fill('experiment_key: x\nvariations:\n', (i) => `\t- variant_key: v${i}\n`, MiB)] },
  { name: '0.8 MB of unknown keys', files: [fill('experiment_key: x\nname: X\n', (i) => `k${i}: 1\n`, 800_000)] },
  { name: '10 files of 1 MiB of ":" lines', files: Array.from({ length: 10 }, () => ':\n'.repeat(MiB / 2)) },
];

const CHILD = `
const { loadDefinitions, renderProblems } = await import(${JSON.stringify(dist)});
const cpu = process.cpuUsage();
const start = performance.now();
const result = await loadDefinitions({ cwd: process.argv[1] });
const output = renderProblems(result.problems, { format: 'text', files: result.files });
const ms = performance.now() - start;
const used = process.cpuUsage(cpu);
console.log(JSON.stringify({ ms, cpuMs: (used.user + used.system) / 1000, rssMb: process.resourceUsage().maxRSS / 1024, problems: result.problems.length, outputBytes: Buffer.byteLength(output), files: result.files }));
`;

const root = await mkdtemp(join(tmpdir(), 'eppo-gitops-bench-bounds-'));
try {
  const rows = [];
  for (const [i, c] of CASES.entries()) {
    const cwd = join(root, `case-${i}`);
    await mkdir(join(cwd, 'experiments'), { recursive: true });
    await Promise.all(c.files.map((text, k) => writeFile(join(cwd, 'experiments', `file-${k}.yaml`), text)));
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD, cwd], { encoding: 'utf8', maxBuffer: 64 * MiB });
    if (run.status !== 0) {
      console.error(`${c.name}: exited ${run.status ?? run.signal}\n${run.stderr}`);
      process.exitCode = 1;
      continue;
    }
    rows.push({ ...c, ...JSON.parse(run.stdout) });
  }
  const reference = rows.find((r) => r.reference);
  for (const r of rows) {
    const ratio = reference === undefined ? '' : `  ${(r.cpuMs / reference.cpuMs).toFixed(2)}x the ordinary file's CPU`;
    console.log(
      `bounds ${r.name}: ${r.ms.toFixed(0)} ms wall, ${r.cpuMs.toFixed(0)} ms CPU, ${r.rssMb.toFixed(0)} MB peak RSS, ` +
        `${r.problems} problems in ${(r.outputBytes / 1024).toFixed(1)} KB of output${ratio}`,
    );
    // Each file lists at most 50 problems and one that counts the rest.
    if (r.problems > 51 * r.files) {
      console.error(`${r.name}: ${r.problems} problems for ${r.files} files, over the cap`);
      process.exitCode = 1;
    }
  }
} finally {
  await rm(root, { recursive: true, force: true });
}

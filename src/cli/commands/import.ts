import { access, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ConfigError, UsageError } from '../../errors.js';
import { loadConfig, loadDefinitions, parseDefinition, renderDefinitionYaml } from '../../definitions/index.js';
import { fetchWorkspace, type EppoExperiment } from '../../eppo/index.js';
import { buildImportSpec, compareText } from '../../reconcile/index.js';
import { didYouMean } from '../../util/index.js';
import { connectEppo, EPPO_ENV_HELP } from '../eppo-connection.js';
import type { Command } from '../io.js';
import { parseFlags } from '../parse-flags.js';

export const command: Command = {
  name: 'import',
  summary: 'write YAML files for live experiments not yet in git',
  help: `Usage: eppo-gitops import (--key KEY.. | --all) [--dir DIR] [--local] [--base-url URL]

Writes one definition file, DIR/<experiment_key>.yaml, per live Eppo experiment
that no file manages yet. Ids become names (entity, assignment source,
metrics); every field Eppo holds is written, so "plan" reports the imported
experiment as unchanged. Guardrail metrics Eppo attaches by itself are left
out. An existing file is never overwritten, and a key that is not safe as a
file name is refused.

Options:
  --key KEY              import the experiment with this key (repeatable)
  --all                  import every live experiment not yet in git
  --dir DIR              definitions folder (default: "dir" in eppo-gitops.yaml,
                         else experiments)
  --local                use the embedded Eppo emulator (state in .eppo-local/)
  --base-url URL         Eppo API base URL (beats EPPO_BASE_URL and the config file)
  --debug                print stack traces on unexpected errors
  -h, --help             show this help

Environment:
${EPPO_ENV_HELP}

Examples:
  eppo-gitops import --all
  eppo-gitops import --key checkout-button-color --key onboarding-flow

Exit codes:
  0  every requested experiment was written (or nothing was left to import)
  1  any experiment was refused (file exists, unsafe key, unknown key, …), bad usage
`,
  async run(args, io) {
    const parsed = parseFlags(args, {
      options: {
        key: { type: 'string', multiple: true },
        all: { type: 'boolean', default: false },
        dir: { type: 'string' },
        local: { type: 'boolean', default: false },
        'base-url': { type: 'string' },
      },
    });
    const keys = parsed.values.key ?? [];
    if (keys.length === 0 && !parsed.values.all) throw new UsageError('say what to import: --key KEY (repeatable) or --all');
    if (keys.length > 0 && parsed.values.all) throw new UsageError('use either --key or --all, not both');

    const settings = await loadConfig(io.cwd);
    const dir = parsed.values.dir ?? settings.config.dir ?? 'experiments';
    const loaded = await loadDefinitions({ cwd: io.cwd, dir });
    const broken = new Set(loaded.problems.filter((p) => p.severity === 'error' && p.rule !== 'io').map((p) => p.file));
    if (broken.size > 0) {
      io.stderr.write(`warning: ${broken.size} definition file(s) have errors and are not counted as managed; run "eppo-gitops validate"\n`);
    }
    const managed = new Map(loaded.definitions.map((d) => [d.experiment_key, d.file]));

    const connection = await connectEppo({
      cwd: io.cwd,
      env: io.env,
      local: parsed.values.local,
      baseUrl: parsed.values['base-url'],
      config: settings.config,
      client: { concurrency: settings.config.parallelism ?? 4 },
    });
    let failures = 0;
    let written = 0;
    try {
      const workspace = await fetchWorkspace(connection.api);
      const byKey = new Map<string, EppoExperiment[]>();
      for (const e of workspace.experiments) byKey.set(e.experiment_key, [...(byKey.get(e.experiment_key) ?? []), e]);
      const fail = (message: string): void => {
        failures++;
        io.stderr.write(`error: ${message}\n`);
      };

      const wanted: string[] = parsed.values.all ? [...byKey.keys()].filter((k) => !managed.has(k)).sort(compareText) : [...new Set(keys)];
      for (const key of wanted) {
        const live = byKey.get(key) ?? [];
        const file = managed.get(key);
        if (file !== undefined) {
          fail(`${key} is already managed by ${file}; not imported`);
          continue;
        }
        if (live.length === 0) {
          const guess = didYouMean(key, byKey.keys());
          fail(`no live experiment has the key "${key}"${guess === undefined ? '' : ` (did you mean "${guess}"?)`}`);
          continue;
        }
        if (live.length > 1) {
          fail(`${live.length} live experiments share the key "${key}" (ids ${live.map((e) => e.id).join(', ')}); rename all but one in Eppo, then import`);
          continue;
        }
        const built = buildImportSpec(live[0]!, workspace);
        if (!built.ok) {
          fail(built.message);
          continue;
        }
        const target = resolve(io.cwd, dir, `${key}.yaml`);
        const display = toPosix(relative(io.cwd, target));
        const schemaPath = toPosix(relative(dirname(target), join(io.cwd, 'schemas', 'experiment.schema.json')));
        const text = renderDefinitionYaml(built.spec, { schemaPath, comments: [`imported from Eppo experiment #${live[0]!.id}`] });
        const check = parseDefinition(display, text);
        const errors = check.problems.filter((p) => p.severity === 'error');
        if (errors.length > 0) {
          fail(`${key} (#${live[0]!.id}) would not make a valid file, not written: ${errors.map((p) => `${p.message} [${p.rule}]`).join('; ')}`);
          continue;
        }
        const twin = target.replace(/\.yaml$/, '.yml');
        if (await exists(twin)) {
          fail(`${toPosix(relative(io.cwd, twin))} already exists; not overwritten (move it away or import under another --dir)`);
          continue;
        }
        try {
          await mkdir(dirname(target), { recursive: true });
        } catch (error) {
          const folder = toPosix(relative(io.cwd, dirname(target))) || '.';
          throw new ConfigError(`cannot create the folder ${folder} for ${display} (${errorCode(error)}); --dir must name a folder you can write to`);
        }
        try {
          await writeFile(target, text, { flag: 'wx' });
        } catch (error) {
          fail(
            errorCode(error) === 'EEXIST'
              ? `${display} already exists; not overwritten (move it away or import under another --dir)`
              : `cannot write ${display} (${errorCode(error)}); check that the folder is writable`,
          );
          continue;
        }
        written++;
        for (const note of built.notes) io.stderr.write(`note: ${key}: ${note}\n`);
        io.stdout.write(`+ wrote ${display} (#${live[0]!.id})\n`);
      }
      io.stdout.write(
        wanted.length === 0 ? 'Nothing to import: every live experiment is in git.\n' : `Import: ${written} written, ${failures} refused.\n`,
      );
    } finally {
      await connection.close();
    }
    return failures > 0 ? 1 : 0;
  },
};

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

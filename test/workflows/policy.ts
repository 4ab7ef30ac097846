import { parse } from 'yaml';

/**
 * The project's own rules for GitHub Actions files, on top of the schema check
 * done by @action-validator: least-privilege permissions, secrets only through
 * env/with, pinned actions, no expressions spliced into shell scripts, time
 * limits, no persisted checkout credentials, and only real CLI commands and flags.
 */

export interface PolicyProblem {
  rule:
    | 'yaml'
    | 'permissions'
    | 'secrets-outside-env'
    | 'unpinned-action'
    | 'expression-in-run'
    | 'timeout'
    | 'checkout-credentials'
    | 'install-first'
    | 'unknown-command'
    | 'unknown-flag';
  /** where in the file, e.g. jobs.plan.steps[3].run */
  at: string;
  message: string;
}

/** What the CLI accepts: command → flags (undefined when its --help failed: every flag is then unknown). */
export interface CliSurface {
  commands: Map<string, { flags: Set<string> | undefined; subcommands: Set<string> }>;
}

export interface Invocation {
  at: string;
  command: string | undefined;
  subcommand: string | undefined;
  flags: string[];
}

type Node = unknown;
type Path = (string | number)[];

export function checkWorkflow(text: string, cli: CliSurface): PolicyProblem[] {
  const doc = parseYaml(text);
  if (!isRecord(doc)) return [{ rule: 'yaml', at: '', message: 'not a YAML mapping' }];
  const problems: PolicyProblem[] = [];
  const jobs = isRecord(doc.jobs) ? doc.jobs : {};
  const topRestrictive = doc.permissions !== undefined && isRestrictive(doc.permissions);
  walk(doc, [], (value, path) => {
    if (path[path.length - 1] === 'permissions' && value === 'write-all') {
      problems.push({ rule: 'permissions', at: fmt(path), message: 'write-all grants every scope; list the scopes the job needs' });
    }
  });
  for (const [name, job] of Object.entries(jobs)) {
    if (!isRecord(job)) continue;
    const at = `jobs.${name}`;
    if (job.permissions === undefined && !topRestrictive) {
      problems.push({ rule: 'permissions', at, message: 'the job has no permissions block and the workflow has no restrictive top-level one ({} or read scopes only)' });
    }
    if (typeof job.uses === 'string') {
      problems.push(...checkUses(job.uses, `${at}.uses`));
      continue;
    }
    if (job['timeout-minutes'] === undefined) {
      problems.push({ rule: 'timeout', at, message: 'set timeout-minutes so a hung job does not run for 6 hours' });
    }
    problems.push(...checkSteps(Array.isArray(job.steps) ? job.steps : [], `${at}.steps`, cli));
  }
  problems.push(...checkSecrets(doc));
  return problems;
}

/** The same checks for a composite action (action.yml). */
export function checkAction(text: string, cli: CliSurface): PolicyProblem[] {
  const doc = parseYaml(text);
  if (!isRecord(doc)) return [{ rule: 'yaml', at: '', message: 'not a YAML mapping' }];
  const runs = isRecord(doc.runs) ? doc.runs : {};
  return [...checkSteps(Array.isArray(runs.steps) ? runs.steps : [], 'runs.steps', cli), ...checkSecrets(doc)];
}

function checkSteps(steps: Node[], at: string, cli: CliSurface): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  let installed = false;
  steps.forEach((step, index) => {
    if (!isRecord(step)) return;
    const here = `${at}[${index}]`;
    if (typeof step.uses === 'string') {
      problems.push(...checkUses(step.uses, `${here}.uses`));
      const withBlock = isRecord(step.with) ? step.with : {};
      const viaAction = findActionInvocation(step.uses, withBlock, `${here}.with`);
      if (viaAction !== undefined) {
        const input = withBlock.command;
        if (typeof input === 'string' && Object.hasOwn(ACTION_COMMANDS, input)) problems.push(...checkInvocation(viaAction, cli));
        else {
          problems.push({
            rule: 'unknown-command',
            at: `${here}.with.command`,
            message: `the eppo-gitops action's command must be one of ${Object.keys(ACTION_COMMANDS).join(', ')}, not ${JSON.stringify(input)}`,
          });
        }
      }
      if (/^actions\/checkout@/.test(step.uses) && withBlock['persist-credentials'] !== false) {
        problems.push({
          rule: 'checkout-credentials',
          at: here,
          message: 'actions/checkout leaves the token in .git/config unless persist-credentials: false',
        });
      }
    }
    if (typeof step.run === 'string') {
      for (const expr of step.run.match(/\$\{\{[^]*?\}\}/g) ?? []) {
        const untrusted = /github\.(event|head_ref)|inputs\./.test(expr) ? ' (untrusted text: a crafted title or branch name becomes shell code)' : '';
        problems.push({
          rule: 'expression-in-run',
          at: `${here}.run`,
          message: `${expr} is pasted into the script before the shell runs${untrusted}; pass it through env: and use "$VAR"`,
        });
      }
      if (/\bnpm (ci|install)\b/.test(step.run)) installed = true;
      for (const call of findInvocations(step.run, `${here}.run`)) {
        if (!installed) {
          problems.push({ rule: 'install-first', at: call.at, message: 'eppo-gitops is called before npm ci installed it' });
        }
        problems.push(...checkInvocation(call, cli));
      }
    }
  });
  return problems;
}

function checkUses(uses: string, at: string): PolicyProblem[] {
  if (uses.startsWith('./')) return [];
  if (uses.startsWith('docker://')) {
    return /[:@][^/]+$/.test(uses.slice('docker://'.length)) && !uses.endsWith(':latest')
      ? []
      : [{ rule: 'unpinned-action', at, message: `${uses} is not pinned to a tag or digest` }];
  }
  const ref = uses.split('@')[1];
  if (ref === undefined || ref === '') return [{ rule: 'unpinned-action', at, message: `${uses} has no version; pin it (a commit SHA with a version comment)` }];
  if (/^(main|master|HEAD|latest|trunk|develop)$/i.test(ref)) {
    return [{ rule: 'unpinned-action', at, message: `${uses} follows a moving branch; pin a version` }];
  }
  return [];
}

function checkSecrets(doc: Node): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  walk(doc, [], (value, path) => {
    if (typeof value !== 'string' || !/\$\{\{[^}]*\bsecrets\./.test(value)) return;
    const parent = path[path.length - 2];
    if (parent !== 'env' && parent !== 'with') {
      problems.push({ rule: 'secrets-outside-env', at: fmt(path), message: 'secrets may only be read into env: or with: values' });
    }
  });
  return problems;
}

function checkInvocation(call: Invocation, cli: CliSurface): PolicyProblem[] {
  if (call.command === undefined) return [{ rule: 'unknown-command', at: call.at, message: 'eppo-gitops is called without a command' }];
  const known = cli.commands.get(call.command);
  if (known === undefined) {
    return [{ rule: 'unknown-command', at: call.at, message: `eppo-gitops has no command "${call.command}"` }];
  }
  const problems: PolicyProblem[] = [];
  if (known.subcommands.size > 0 && (call.subcommand === undefined || !known.subcommands.has(call.subcommand))) {
    problems.push({ rule: 'unknown-command', at: call.at, message: `"${call.command}" needs one of: ${[...known.subcommands].join(', ')}` });
  }
  for (const flag of call.flags) {
    if (known.flags?.has(flag) !== true) problems.push({ rule: 'unknown-flag', at: call.at, message: `"${call.command}" has no flag ${flag}` });
  }
  return problems;
}

/** The eppo-gitops action's `command` input: which CLI command each value runs. */
const ACTION_COMMANDS: Record<string, [string, string?]> = {
  validate: ['validate'],
  plan: ['plan'],
  apply: ['apply'],
  outcome: ['outcome'],
  sync: ['outcomes', 'sync'],
};

/**
 * What a step that uses the eppo-gitops action (`owner/eppo-gitops@ref`, or
 * `./` in this repository) runs: its `command` input mapped as action.yml does,
 * and the flags in `args` (split on whitespace, as action.yml does).
 */
export function findActionInvocation(uses: string, withBlock: Record<string, unknown>, at: string): Invocation | undefined {
  if (uses !== './' && !/^[^/@]+\/eppo-gitops@/.test(uses)) return undefined;
  const input = typeof withBlock.command === 'string' ? withBlock.command : undefined;
  const mapped = input === undefined ? undefined : ACTION_COMMANDS[input];
  const args = typeof withBlock.args === 'string' ? withBlock.args.split(/\s+/).filter((w) => w !== '') : [];
  return {
    at,
    command: mapped === undefined ? input : mapped[0],
    subcommand: mapped?.[1],
    flags: args.filter((w) => w.startsWith('--')).map((w) => w.split('=')[0] ?? w),
  };
}

/** Every `eppo-gitops <command> [sub] [--flags]` in a shell script (continuation lines joined). */
export function findInvocations(script: string, at: string): Invocation[] {
  const calls: Invocation[] = [];
  const lines = script.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  for (const line of lines) {
    const pattern = /(?:^|[\s;&|(])eppo-gitops(?=\s|$)/g;
    for (const match of line.matchAll(pattern)) {
      // `npm i -D eppo-gitops` names the package, it does not run it.
      if (/\b(?:npm|pnpm|yarn)\s+(?:i|install|add)\b[^;&|]*$/.test(line.slice(0, match.index + match[0].length - 'eppo-gitops'.length))) continue;
      const rest = line.slice(match.index + match[0].length);
      const words = shellWords(rest);
      const command = words[0] !== undefined && !words[0].startsWith('-') ? words[0] : undefined;
      const second = words[1];
      const subcommand = command !== undefined && second !== undefined && !second.startsWith('-') ? second : undefined;
      const flags = words.filter((w) => w.startsWith('--')).map((w) => w.split('=')[0] ?? w);
      calls.push({ at, command, subcommand, flags });
    }
  }
  return calls;
}

/** Words up to the end of the simple command (;, &&, ||, |, >, #), quotes removed. */
function shellWords(text: string): string[] {
  const words: string[] = [];
  const re = /\s*("([^"]*)"|'([^']*)'|(\|\||&&|[;|>#])|([^\s;|&>"']+))/y;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m[4] !== undefined) break;
    words.push(m[2] ?? m[3] ?? m[5] ?? '');
  }
  return words;
}

function isRestrictive(permissions: Node): boolean {
  if (permissions === 'read-all') return true;
  if (!isRecord(permissions)) return false;
  return Object.values(permissions).every((v) => v === 'read' || v === 'none');
}

function walk(node: Node, path: Path, visit: (value: Node, path: Path) => void): void {
  visit(node, path);
  if (Array.isArray(node)) node.forEach((child, i) => walk(child, [...path, i], visit));
  else if (isRecord(node)) for (const [key, child] of Object.entries(node)) walk(child, [...path, key], visit);
}

function fmt(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function parseYaml(text: string): Node {
  return parse(text, { uniqueKeys: true }) as Node;
}

function isRecord(value: Node): value is Record<string, Node> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

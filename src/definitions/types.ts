/** A position in a source file, 1-based. */
export interface SourcePos {
  line: number;
  col: number;
}

/** Where a value stands in the file: its key (for mapping values) and the value node. */
export interface NodeRef {
  key?: SourcePos;
  value: SourcePos;
}

/** A parsed YAML file: the plain data (null-prototype objects) and where each node stands. */
export interface YamlSource {
  /** undefined when the file holds no document (empty, or comments only) */
  data: unknown;
  /** JSON pointer (as in ajv's instancePath: `''`, `/variations/0/weight`) to positions */
  nodes: Map<string, NodeRef>;
  /** the position of the start of the document's content (1:1 when empty) */
  start: SourcePos;
  /** the same nodes in document order as two lists, when the reader has them so (cheaper to walk than `nodes`) */
  nodeList?: { pointers: readonly string[]; refs: readonly NodeRef[] };
}

export type Severity = 'error' | 'warning';

/**
 * One validation problem. Problems are data, never exceptions.
 * `rule` is `yaml` for syntax problems, `schema` for JSON Schema problems,
 * `io` for unreadable files, or a FORMAT.md rule id (`weights-sum`, …).
 */
export interface Problem {
  file: string;
  line: number;
  col: number;
  severity: Severity;
  rule: string;
  message: string;
}

export interface Variation {
  variant_key: string;
  /** default: variant_key */
  name: string;
  /** default: false */
  is_control: boolean;
  /** maps to weighted_expected_traffic */
  weight: number;
  /** default: true */
  is_active: boolean;
}

export interface MetricRef {
  /** metric NAME, resolved to metric_id at plan time */
  metric: string;
  /** default: false */
  is_primary: boolean;
}

export interface Outcome {
  status: string;
  outcome?: string;
  winning_variant_key?: string;
  eppo_experiment_id?: number;
  /** ISO-8601 UTC with milliseconds */
  recorded_at?: string;
}

/**
 * A normalised experiment definition: defaults applied, dates as ISO-8601 UTC
 * with milliseconds (`2026-01-05T00:00:00.000Z`).
 *
 * `owned` lists the field paths written in the file (FORMAT.md, ownership):
 * top-level keys (`hypothesis`, `assignments_end_date`, `traffic_allocation`,
 * `metrics`, …) and variation fields as `variations[<variant_key>].<field>`.
 * A default-filled value whose path is not in `owned` is used on create only and
 * never sent on update nor reported as drift.
 *
 * `positions` maps paths to where they stand in the file, for problems found
 * later (name resolution at plan time): `experiment_key`, `entity`,
 * `assignment_source`, `metrics[0].metric`, `variations[1]`, `variations[1].weight`,
 * and `''` for the top-level mapping.
 */
export interface Definition {
  /** path as given / relative to the working directory, POSIX separators */
  file: string;
  experiment_key: string;
  name: string;
  hypothesis?: string;
  entity: string;
  assignment_source: string;
  assignments_start_date: string;
  assignments_end_date?: string;
  /** default: 1 */
  traffic_allocation: number;
  variations: Variation[];
  metrics?: MetricRef[];
  outcome?: Outcome;
  owned: string[];
  positions: Record<string, SourcePos>;
}

export interface LoadResult {
  definitions: Definition[];
  problems: Problem[];
  /** number of files read (or attempted) */
  files: number;
  /** files found in folders that `LoadOptions.notDefinition` left out, as shown (relative to cwd) */
  skipped: string[];
}

/**
 * Non-secret settings from the optional `eppo-gitops.yaml` at the repository
 * root (schemas/config.schema.json). Flags beat environment variables, which
 * beat this file.
 */
export interface Config {
  dir?: string;
  eppo_base_url?: string;
  base_branch?: string;
  parallelism?: number;
  github_repository?: string;
  github_api_url?: string;
  port?: number;
  /** flagd flag files checked against the experiments (FLAGS.md); absent: no flag checks */
  flags?: FlagsConfig;
  /** names used by `new` when its flags do not give them */
  defaults?: DefaultsConfig;
}

/** `flags:` in eppo-gitops.yaml. */
export interface FlagsConfig {
  /** globs (`*`, `**`, `?`, `{a,b}`) from the folder holding eppo-gitops.yaml */
  files: string[];
  /** roll the winning variant out in the outcome pull request (default `winner`) */
  rollout?: 'winner' | 'off';
}

/** `defaults:` in eppo-gitops.yaml. */
export interface DefaultsConfig {
  entity?: string;
  assignment_source?: string;
}

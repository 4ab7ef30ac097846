/** The key (and file name) of the example experiment init writes. */
export const EXAMPLE_KEY = 'example-experiment';

export interface ExampleOptions {
  /** the `$schema` path relative to the file */
  schemaPath: string;
  /** assignments_start_date, YYYY-MM-DD */
  startDate: string;
  /** where the format is documented */
  formatDocs: string;
}

/**
 * The commented example definition. Its entity, assignment source and metrics
 * are names the embedded emulator is seeded with, so `plan --local` and `demo`
 * work on it right away. Pure.
 */
export function renderExampleDefinition(options: ExampleOptions): string {
  const header = [
    `# yaml-language-server: $schema=${options.schemaPath}`,
    '# An example experiment, written by "eppo-gitops init". The entity, assignment',
    '# source and metrics below exist in the embedded emulator, so',
    '# "npx eppo-gitops plan --local" works on it right away. Before you merge it,',
    '# change them to names from your Eppo workspace, or replace this file with your',
    '# own: merging applies it, which creates the experiment in Eppo.',
    '# One experiment per file, named <experiment_key>.yaml. The format:',
    `# ${options.formatDocs}`,
  ];
  const body: Array<[string, string?]> = [
    [`experiment_key: ${EXAMPLE_KEY}`, 'the flag / assignment-logging key'],
    ['name: Example experiment', 'as shown in Eppo'],
    ['hypothesis: >-'],
    ['  Showing the treatment instead of the control raises checkout conversion'],
    ['  without lowering revenue per user.'],
    ['entity: user', 'an entity NAME in Eppo, resolved at plan time'],
    ['assignment_source: User assignments', 'an assignment source NAME in Eppo'],
    [`assignments_start_date: ${options.startDate}`, 'a date means midnight UTC; a date-time needs a zone'],
    ['traffic_allocation: 1', 'share of eligible subjects that take part, 0 < x <= 1'],
    ['variations:', '2 to 20, exactly one control, active weights sum to 1'],
    ['  - variant_key: control', 'the variant key your randomizer logs'],
    ['    name: Control'],
    ['    is_control: true'],
    ['    weight: 0.5'],
    ['  - variant_key: treatment'],
    ['    name: Treatment'],
    ['    weight: 0.5'],
    ['metrics:', 'optional; exactly one primary; metric NAMES in Eppo'],
    ['  - metric: Checkout conversion'],
    ['    is_primary: true'],
    ['  - metric: Revenue per user'],
  ];
  const column = Math.max(...body.filter(([, comment]) => comment !== undefined).map(([code]) => code.length)) + 2;
  const lines = body.map(([code, comment]) => (comment === undefined ? code : `${code.padEnd(column)}# ${comment}`));
  return `${[...header, ...lines].join('\n')}\n`;
}

/** Everything a valid definition needs after experiment_key and name. */
export const VALID_TAIL = `entity: user
assignment_source: User assignments
assignments_start_date: 2026-01-05
variations:
  - variant_key: control
    is_control: true
    weight: 0.5
  - variant_key: green
    weight: 0.5
`;

/** A valid definition file for `key`, with `extra` lines appended. */
export const definitionFile = (key: string, extra = ''): string => `experiment_key: ${key}\nname: ${key}\n${VALID_TAIL}${extra}`;

/**
 * Live experiments by `experiment_key`, in the order given. Eppo does not
 * enforce unique keys, so a list longer than one means several live
 * experiments share a key: plan, import and outcomes refuse to guess which one
 * a file means. Pure.
 */
export function groupExperimentsByKey<T extends { experiment_key: string }>(experiments: Iterable<T>): Map<string, T[]> {
  const byKey = new Map<string, T[]>();
  for (const experiment of experiments) {
    const list = byKey.get(experiment.experiment_key);
    if (list === undefined) byKey.set(experiment.experiment_key, [experiment]);
    else list.push(experiment);
  }
  return byKey;
}

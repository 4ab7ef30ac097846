/** Entries one memo keeps; when full it starts again (thousands of files repeat a few hundred values). */
const LIMIT = 4096;

/**
 * `compute`, worked out once per key and remembered in a bounded map: for the
 * values thousands of definition files repeat (dates, pointers, paths), which
 * the definitions then share. `compute` never returns undefined.
 */
export function memoise<V>(compute: (key: string) => V): (key: string) => V {
  const memo = new Map<string, V>();
  return (key) => {
    let value = memo.get(key);
    if (value === undefined) {
      value = compute(key);
      if (memo.size >= LIMIT) memo.clear();
      memo.set(key, value);
    }
    return value;
  };
}

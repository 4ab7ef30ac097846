// Byte-level mutations of real definition files, for the fuzz targets.
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';

const root = new URL('../../', import.meta.url);
function yamlFiles(dir: URL): Buffer[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => readFileSync(new URL(f, dir)));
}
export const REAL = yamlFiles(new URL('experiments/', root));
export const FIXTURES = yamlFiles(new URL('test/fixtures/definitions/', root));
export const SEEDS = [...REAL, ...FIXTURES];

// ---------------------------------------------------------------- mutations

/** Bytes one repeat may add (sizes near and over the 1 MiB limit are tested on their own). */
export const REPEAT_BOUND = 8 * 1024;
/** A mutated input is cut to this size, so thousands of cases fit in a CI run. */
export const MUTATED_BOUND = 16 * 1024;

export const YAML_TOKENS = [
  ': ', '- ', '? ', '{', '}', '[', ']', ',', '&a ', '*a', '!!str ', '!!binary ', '!custom ', '<<: *a\n', '|', '>-', '|+', '"', "'", '#', ' #x', '---\n', '...\n',
  '%YAML 1.1\n', '%TAG ! tag:x,2000:\n', '\t', '\r', '\r\n', '\n', '  ', '\uFEFF', '\u0000', '\u2028', '\u0085', '\\', '\\u00', '~', 'null', '.inf', '.nan', '0x1F', '1e999',
  '-1', '2026-02-30', '9999-12-31T23:59:60Z', '__proto__: {a: 1}\n', 'constructor: x\n', 'outcome:\n  status: Concluded\n', 'variations: []\n', '😀', '\uD800',
];

export type Op =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; byte: number }
  | { op: 'truncate'; at: number }
  | { op: 'delete'; at: number; len: number }
  | { op: 'insert'; at: number; token: string }
  | { op: 'repeat'; at: number; len: number; times: number }
  | { op: 'aliases'; at: number; refs: number; nest: number }
  | { op: 'crlf' }
  | { op: 'splice'; at: number; other: number; from: number; len: number };

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(), token: fc.constantFrom(...YAML_TOKENS) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('repeat' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 80 }), times: fc.integer({ min: 2, max: 3000 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('aliases' as const), at: fc.nat(), refs: fc.integer({ min: 1, max: 400 }), nest: fc.integer({ min: 0, max: 6 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'crlf' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('splice' as const), at: fc.nat(), other: fc.nat(), from: fc.nat(), len: fc.integer({ min: 1, max: 200 }) }) },
);

/** A byte offset at a line start (structural edits land where YAML structure is). */
function lineStartAt(bytes: Buffer, at: number): number {
  if (bytes.length === 0) return 0;
  const i = at % bytes.length;
  const nl = bytes.lastIndexOf(0x0a, i);
  return nl + 1;
}

/** Applies mutations; the result is at most MUTATED_BOUND bytes. */
export function mutate(seed: Buffer, ops: Op[]): Buffer {
  let b = Buffer.from(seed);
  for (const o of ops) {
    const at = b.length === 0 ? 0 : o.op === 'crlf' ? 0 : (o as { at: number }).at % (b.length + 1);
    switch (o.op) {
      case 'flip':
        if (b.length > 0) b[at % b.length] = b[at % b.length]! ^ (1 << o.bit);
        break;
      case 'set':
        if (b.length > 0) b[at % b.length] = o.byte;
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + o.len)]);
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), Buffer.from(o.token, 'utf8'), b.subarray(at)]);
        break;
      case 'repeat': {
        const slice = b.subarray(at, at + o.len);
        // Bounded to REPEAT_BOUND bytes per repeat: big enough for pathological inputs, small
        // enough for CI (sizes over the 1 MiB limit are covered separately below).
        const times = Math.min(o.times, Math.floor((REPEAT_BOUND) / Math.max(1, slice.length)));
        b = Buffer.concat([b.subarray(0, at), Buffer.alloc(slice.length * times, slice), b.subarray(at)]);
        break;
      }
      case 'aliases': {
        // An anchor on a line's value, then many references (nested lists of them).
        const start = lineStartAt(b, at);
        const end = b.indexOf(0x0a, start);
        const line = b.subarray(start, end === -1 ? b.length : end).toString('utf8');
        const colon = line.indexOf(': ');
        const anchored = colon === -1 ? `${line} &a` : `${line.slice(0, colon + 2)}&a ${line.slice(colon + 2)}`;
        let refs = `[${Array.from({ length: Math.min(o.refs, 50) }, () => '*a').join(', ')}]`;
        for (let n = 0; n < o.nest; n++) refs = `[${Array.from({ length: 9 }, () => refs).join(', ')}]`.slice(0, 8 * 1024);
        const addition = `\nx${o.refs}: ${refs}\n`;
        b = Buffer.concat([b.subarray(0, start), Buffer.from(anchored, 'utf8'), Buffer.from(addition, 'utf8'), b.subarray(end === -1 ? b.length : end + 1)]);
        break;
      }
      case 'crlf':
        b = Buffer.from(b.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
        break;
      case 'splice': {
        const other = SEEDS[o.other % SEEDS.length]!;
        const from = other.length === 0 ? 0 : o.from % other.length;
        b = Buffer.concat([b.subarray(0, lineStartAt(b, at)), other.subarray(from, from + o.len), b.subarray(lineStartAt(b, at))]);
        break;
      }
    }
  }
  return b.length > MUTATED_BOUND ? b.subarray(0, MUTATED_BOUND) : b;
}

export const mutatedArb = fc.record({ seed: fc.nat({ max: SEEDS.length - 1 }), ops: fc.array(opArb, { minLength: 1, maxLength: 6 }) });


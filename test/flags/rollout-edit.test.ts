import { describe, expect, it } from 'vitest';
import { buildRolloutEdit, readFlagFile } from '../../src/flags/index.js';

const edit = (text: string, format: 'json' | 'yaml', key = 'checkout', winner = 'green'): string => {
  const result = buildRolloutEdit(text, format, key, winner);
  if (!result.ok) throw new Error(result.reason);
  return result.text;
};

const json = `{
  "$schema": "https://flagd.dev/schema/v0/flags.json",
  "flags": {
    "banner": {
      "state": "ENABLED",
      "variants": { "on": true, "off": false },
      "defaultVariant": "off",
      "targeting": { "fractional": [["on", 1], ["off", 1]] }
    },
    "checkout": {
      "state": "ENABLED",
      "variants": {
        "control": "blue",
        "green": "green"
      },
      "defaultVariant": "control",
      "targeting": {
        "fractional": [
          ["control", 50],
          ["green", 50]
        ]
      },
      "metadata": { "owner": "web" }
    }
  }
}
`;

describe('buildRolloutEdit: JSON', () => {
  it('sets defaultVariant and removes targeting, every other byte kept', () => {
    expect(edit(json, 'json')).toBe(
      json.replace('"defaultVariant": "control"', '"defaultVariant": "green"').replace(
        `      "targeting": {
        "fractional": [
          ["control", 50],
          ["green", 50]
        ]
      },
`,
        '',
      ),
    );
  });

  it('removes a last targeting member with its comma', () => {
    const text = json.replace(',\n      "metadata": { "owner": "web" }', '');
    expect(edit(text, 'json')).toBe(
      text.replace('"defaultVariant": "control"', '"defaultVariant": "green"').replace(`,
      "targeting": {
        "fractional": [
          ["control", 50],
          ["green", 50]
        ]
      }`, ''),
    );
  });

  it('removes a first targeting member without joining the next one to the brace', () => {
    const text = '{"flags": {\n  "checkout": {\n    "targeting": {"fractional": [["control", 1], ["green", 1]]},\n    "state": "ENABLED",\n    "variants": {"control": 1, "green": 2},\n    "defaultVariant": "control"\n  }\n}}\n';
    expect(edit(text, 'json')).toBe('{"flags": {\n  "checkout": {\n    "state": "ENABLED",\n    "variants": {"control": 1, "green": 2},\n    "defaultVariant": "green"\n  }\n}}\n');
  });

  it('inserts a missing defaultVariant in the indentation and line ending of its neighbours (CRLF)', () => {
    const text = '{\r\n\t"flags": {\r\n\t\t"checkout": {\r\n\t\t\t"state": "ENABLED",\r\n\t\t\t"variants": {"control": 1, "green": 2},\r\n\t\t\t"targeting": {"fractional": [["control", 1], ["green", 1]]}\r\n\t\t}\r\n\t}\r\n}';
    expect(edit(text, 'json')).toBe('{\r\n\t"flags": {\r\n\t\t"checkout": {\r\n\t\t\t"state": "ENABLED",\r\n\t\t\t"variants": {"control": 1, "green": 2},\r\n\t\t\t"defaultVariant": "green"\r\n\t\t}\r\n\t}\r\n}');
  });

  it('inserts a missing defaultVariant in a one-line flag', () => {
    const text = '{"flags": {"checkout": {"state": "ENABLED", "variants": {"control": 1, "green": 2}, "targeting": {"fractional": [["control", 1], ["green", 1]]}}}}';
    expect(edit(text, 'json')).toBe('{"flags": {"checkout": {"state": "ENABLED", "variants": {"control": 1, "green": 2}, "defaultVariant": "green"}}}');
  });

  it('replaces a null defaultVariant and keeps a byte-order mark and CRLF', () => {
    const text = `\uFEFF${json.replace('"defaultVariant": "control"', '"defaultVariant": null').replace(/\n/g, '\r\n')}`;
    const out = edit(text, 'json');
    expect(out.startsWith('\uFEFF{\r\n')).toBe(true);
    expect(out).not.toMatch(/[^\r]\n/);
    expect(out).toContain('"defaultVariant": "green",\r\n      "metadata"');
    expect(readFlagFile('f.json', out).flags.find((f) => f.key === 'checkout')).toMatchObject({ defaultVariant: 'green', targeting: undefined });
  });

  it('refuses a flag that is not there', () => {
    expect(buildRolloutEdit(json, 'json', 'nope', 'green')).toEqual({ ok: false, reason: 'flag "nope" is not an object in the file' });
  });
});

const yaml = `# Flags of the web shop.
flags:
  banner:
    state: ENABLED
    variants: {on: true, off: false}
    defaultVariant: "off"
  checkout:   # the button colour test
    state: ENABLED
    variants:
      control: blue
      green: green
    defaultVariant: control  # what everyone gets when no rule matches
    # 50/50 until the experiment is decided
    targeting:
      fractional:
        - [control, 50]   # half
        - [green, 50]
        # nothing else
    metadata:
      owner: web
`;

describe('buildRolloutEdit: YAML', () => {
  it('replaces the defaultVariant scalar and deletes the targeting lines; comments stay', () => {
    expect(edit(yaml, 'yaml')).toBe(`# Flags of the web shop.
flags:
  banner:
    state: ENABLED
    variants: {on: true, off: false}
    defaultVariant: "off"
  checkout:   # the button colour test
    state: ENABLED
    variants:
      control: blue
      green: green
    defaultVariant: green  # what everyone gets when no rule matches
    # 50/50 until the experiment is decided
    metadata:
      owner: web
`);
  });

  it('keeps CRLF, the quoting style, and a missing final newline', () => {
    const text = yaml.replace('defaultVariant: control', "defaultVariant: 'control'").replace(/\n    metadata:\n      owner: web\n$/, '').replace(/\n/g, '\r\n');
    const out = edit(text, 'yaml');
    expect(out).toBe(text.replace("defaultVariant: 'control'", "defaultVariant: 'green'").replace(/\r\n    targeting:\r\n[\s\S]*$/, ''));
    expect(out.endsWith("# 50/50 until the experiment is decided")).toBe(true);
    expect(out).not.toMatch(/[^\r]\n/);
  });

  it('quotes a winner YAML would read as something else', () => {
    const text = yaml.replace('      green: green', '      "off": green').replace('[green, 50]', '["off", 50]');
    expect(edit(text, 'yaml', 'checkout', 'off')).toContain('    defaultVariant: "off"  # what everyone gets');
  });

  it('writes a missing defaultVariant where the targeting was', () => {
    const text = yaml.replace('    defaultVariant: control  # what everyone gets when no rule matches\n', '');
    expect(edit(text, 'yaml')).toBe(text.replace(/    targeting:\n[\s\S]*?# nothing else\n/, '    defaultVariant: green\n'));
  });

  it('replaces a block-scalar defaultVariant with whole lines: the final newline and the next key keep their lines', () => {
    const last = 'flags:\n  checkout:\n    state: ENABLED\n    variants: {control: 1, green: 2}\n    defaultVariant: >-\n      control\n    targeting: {fractional: [[control, 50], [green, 50]]}\n';
    expect(edit(last, 'yaml')).toBe('flags:\n  checkout:\n    state: ENABLED\n    variants: {control: 1, green: 2}\n    defaultVariant: green\n');
    const middle = 'flags:\n  checkout:\n    state: ENABLED\n    variants: {control: 1, green: 2}\n    targeting: {fractional: [[control, 50], [green, 50]]}\n    defaultVariant: |\n      control\n  other: {state: ENABLED, variants: {x: 1}, defaultVariant: x}\n';
    expect(edit(middle, 'yaml')).toBe('flags:\n  checkout:\n    state: ENABLED\n    variants: {control: 1, green: 2}\n    defaultVariant: green\n  other: {state: ENABLED, variants: {x: 1}, defaultVariant: x}\n');
    // Last in a file without a final newline: the file still ends without one.
    const unterminated = 'flags:\n  checkout:\n    state: ENABLED\n    variants: {control: 1, green: 2}\n    targeting: {fractional: [[control, 50], [green, 50]]}\n    defaultVariant: |-\n      control';
    expect(edit(unterminated, 'yaml')).toBe('flags:\n  checkout:\n    state: ENABLED\n    variants: {control: 1, green: 2}\n    defaultVariant: green');
  });

  it('edits a flag written in flow style', () => {
    const text = 'flags:\n  checkout: {state: ENABLED, variants: {control: 1, green: 2}, defaultVariant: control, targeting: {fractional: [[control, 1], [green, 1]]}}\n';
    expect(edit(text, 'yaml')).toBe('flags:\n  checkout: {state: ENABLED, variants: {control: 1, green: 2}, defaultVariant: green}\n');
  });

  it('refuses a flag that is not there', () => {
    expect(buildRolloutEdit(yaml, 'yaml', 'nope', 'green')).toEqual({ ok: false, reason: 'flag "nope" is not a mapping under "flags" in the file' });
  });
});

import { describe, expect, it } from 'vitest';
import { buildFlagSet, buildRollout, proveRollout, readFlagFile, renderRolloutSection } from '../../src/flags/index.js';
import type { FlagSet } from '../../src/flags/index.js';
import { flagdJson, stringFlag } from './helpers.js';

// Proofs evaluate 100,000 subjects per flag with flagd-core.
const AT = Date.UTC(2026, 5, 1);
const setOf = (file: string, text: string): FlagSet => buildFlagSet([readFlagFile(file, text)]);

const json = flagdJson({
  checkout: stringFlag(['control', 'green'], 'control', { fractional: [['control', 50], ['green', 50]] }),
  banner: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [{ starts_with: [{ var: 'targetingKey' }, 'subject-1'] }, 'on', null] } },
});

describe('buildRollout', () => {
  it('edits the flag, proves it, and describes before → after', () => {
    const plan = buildRollout({ experimentKey: 'checkout', winner: 'green', flags: setOf('flags/web.flagd.json', json), at: AT });
    expect(plan.action).toBe('edit');
    if (plan.action !== 'edit') return;
    expect(plan.text).toBe(
      json.replace('"defaultVariant": "control"', '"defaultVariant": "green"').replace(/,\n      "targeting": \{\n        "fractional": \[[\s\S]*?\n        \]\n      \}/, ''),
    );
    expect(plan.before).toEqual({ method: 'computed', subjects: 0, shares: { control: 0.5, green: 0.5 }, none: 0 });
    expect(renderRolloutSection(plan)).toBe(
      [
        '### Rollout',
        '',
        '| | |',
        '|---|---|',
        '| File | `flags/web.flagd.json` |',
        '| Flag | `checkout` |',
        '| Before | `control` 0.50, `green` 0.50 (computed from the flag) |',
        '| After | `green` for everyone |',
        '',
      ].join('\n'),
    );
    const after = readFlagFile('flags/web.flagd.json', plan.text);
    expect(after.flags.map((f) => [f.key, f.defaultVariant, f.targeting])).toEqual([
      ['checkout', 'green', undefined],
      ['banner', 'off', { if: [{ starts_with: [{ var: 'targetingKey' }, 'subject-1'] }, 'on', null] }],
    ]);
  });

  it('rolls out in a YAML flag file, comments kept', () => {
    const yaml = 'flags:\n  # the colour test\n  checkout:\n    state: ENABLED\n    variants: {control: blue, green: green}\n    defaultVariant: control\n    targeting:  # 50/50\n      fractional: [[control, 1], [green, 1]]\n';
    const plan = buildRollout({ experimentKey: 'checkout', winner: 'green', flags: setOf('flags/web.flagd.yaml', yaml), at: AT });
    expect(plan).toMatchObject({ action: 'edit', text: 'flags:\n  # the colour test\n  checkout:\n    state: ENABLED\n    variants: {control: blue, green: green}\n    defaultVariant: green\n' });
  });

  it('leaves the file alone when the edit would break a flag sharing a YAML anchor, and says why', () => {
    const yaml = [
      'flags:',
      '  checkout:',
      '    state: ENABLED',
      '    variants: {control: blue, green: green}',
      '    defaultVariant: control',
      '    targeting: &half',
      '      fractional: [[control, 1], [green, 1]]',
      '  search:',
      '    state: ENABLED',
      '    variants: {control: a, green: b}',
      '    defaultVariant: control',
      '    targeting: *half',
      '',
    ].join('\n');
    const plan = buildRollout({ experimentKey: 'checkout', winner: 'green', flags: setOf('flags/web.yaml', yaml), at: AT });
    expect(plan).toEqual({
      action: 'leave',
      reason: 'proof-failed',
      flagKey: 'checkout',
      file: 'flags/web.yaml',
      winner: 'green',
      detail: 'flagd could not prove the edit: the edited file does not read back (line 10: unknown alias *half: set the anchor &half before using it)',
    });
    expect(renderRolloutSection(plan)).toBe(
      '### Rollout\n\nFlag `checkout` in `flags/web.yaml` was left as it is: flagd could not prove the edit: the edited file does not read back \\(line 10: unknown alias \\*half: set the anchor &amp;half before using it\\).\n',
    );
  });

  it('leaves the file alone when the new defaultVariant would reach another flag through an anchor', () => {
    const yaml = [
      'flags:',
      '  checkout:',
      '    state: ENABLED',
      '    variants: {control: blue, green: green}',
      '    defaultVariant: &dv control',
      '    targeting: {fractional: [[control, 1], [green, 1]]}',
      '  search:',
      '    state: ENABLED',
      '    variants: {control: a, green: b}',
      '    defaultVariant: *dv',
      '',
    ].join('\n');
    const plan = buildRollout({ experimentKey: 'checkout', winner: 'green', flags: setOf('flags/web.yaml', yaml), at: AT });
    expect(plan).toMatchObject({ action: 'leave', reason: 'proof-failed', detail: 'flagd could not prove the edit: the edit would change flag "search" for 100,000 of 100,000 subjects' });
  });

  it('leaves a DISABLED flag alone: flagd would serve the caller’s default, not the winner', () => {
    const text = flagdJson({ checkout: { ...stringFlag(['control', 'green'], 'control', { fractional: [['control', 1], ['green', 1]] }), state: 'DISABLED' } });
    expect(buildRollout({ experimentKey: 'checkout', winner: 'green', flags: setOf('f.json', text), at: AT })).toMatchObject({
      action: 'leave',
      reason: 'proof-failed',
      detail: `flagd could not prove the edit: flag "checkout" is DISABLED, so flagd would serve the caller's default, not green; enable it first`,
    });
  });

  it.each([
    [{ rollout: 'off' as const }, 'rollout-off', 'rollout is off in eppo-gitops.yaml (flags.rollout: off)'],
    [{ winner: undefined }, 'no-winner', 'the outcome names no winning variant'],
    [{ experimentKey: 'search' }, 'no-flag', 'no flag file has a flag with the key search'],
    [{ winner: 'purple' }, 'unknown-winner', 'the winner purple is not a variant of the flag, which has control, green'],
  ])('leaves the flag alone: %j → %s', (change, reason, detail) => {
    const plan = buildRollout({ experimentKey: 'checkout', winner: 'green', flags: setOf('f.json', json), at: AT, ...change });
    expect(plan).toMatchObject({ action: 'leave', reason, detail });
  });

  it('says when the flag already serves the winner to everyone', () => {
    const plan = buildRollout({ experimentKey: 'checkout', winner: 'green', flags: setOf('f.json', flagdJson({ checkout: stringFlag(['control', 'green'], 'green') })), at: AT });
    expect(plan).toMatchObject({ action: 'leave', reason: 'already-rolled-out' });
    expect(renderRolloutSection(plan)).toBe('### Rollout\n\nFlag `checkout` in `f.json` was left as it is: the flag already serves green to everyone.\n');
  });

  it('shows a winner that is no variant as inert text: no link, no mention, no reference, no HTML', () => {
    const winner = 'https://evil.example/login www.evil.example @someone #12 <b>x</b> [a](b) ![i](j) ~~s~~';
    const plan = buildRollout({ experimentKey: 'checkout', winner, flags: setOf('f.json', json), at: AT });
    expect(plan).toMatchObject({ action: 'leave', reason: 'unknown-winner' });
    const section = renderRolloutSection(plan);
    expect(section).not.toMatch(/:\/\/|www\.|@\w|#\d|<b>|\]\(|~~/);
    expect(section).toContain('the winner https:\u200b//evil.example/login www\u200b.evil.example @\u200bsomeone \\#\u200b12 &lt;b&gt;x&lt;/b&gt;');
  });
});

describe('proveRollout', () => {
  const before = readFlagFile('f.json', json);

  it('proves the edit that buildRolloutEdit makes', () => {
    const after = json.replace('"defaultVariant": "control"', '"defaultVariant": "green"').replace(/,\n      "targeting": \{[\s\S]*?\n      \}\n    \},/, '\n    },');
    expect(proveRollout(before, after, 'checkout', 'green', AT)).toEqual({ ok: true });
  });

  it('fails when subjects would still get another variant', () => {
    const after = json.replace('"defaultVariant": "control"', '"defaultVariant": "green"');
    const proof = proveRollout(before, after, 'checkout', 'green', AT);
    expect(proof.ok).toBe(false);
    if (!proof.ok) expect(proof.reason).toMatch(/^\d{2},\d{3} of 100,000 subjects would not get green \(for example control\)$/);
  });

  it('fails when another flag would evaluate differently, or disappear, or appear', () => {
    const edited = json.replace('"defaultVariant": "control"', '"defaultVariant": "green"').replace(/,\n      "targeting": \{[\s\S]*?\n      \}\n    \},/, '\n    },');
    expect(proveRollout(before, edited.replace('"subject-1"', '"subject-2"'), 'checkout', 'green', AT)).toEqual({
      ok: false,
      reason: 'the edit would change flag "banner" for 22,222 of 100,000 subjects',
    });
    expect(proveRollout(before, edited.replace('"banner"', '"banners"'), 'checkout', 'green', AT)).toEqual({ ok: false, reason: 'the edit would remove flag "banner"' });
    const added = edited.replace('"flags": {', '"flags": {\n    "extra": {"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "a"},');
    expect(proveRollout(before, added, 'checkout', 'green', AT)).toEqual({ ok: false, reason: 'the edit would add flag "extra"' });
  });

  it('accepts another flag that changed but serves every subject the same', () => {
    const edited = json.replace('"defaultVariant": "control"', '"defaultVariant": "green"').replace(/,\n      "targeting": \{[\s\S]*?\n      \}\n    \},/, '\n    },');
    const metadata = edited.replace('"defaultVariant": "off",', '"defaultVariant": "off",\n      "metadata": {"owner": "web"},');
    expect(proveRollout(before, metadata, 'checkout', 'green', AT)).toEqual({ ok: true });
  });
});

import type { ApiAssignmentSource, ApiEntity, ApiMetric, ApiMetricRef, ApiVariationFields, ApiWritableFields } from './api-types.js';
import type { StoredExperiment } from './types.js';

/**
 * The fields a create/update body may set; everything else in a body is ignored (read-only or unknown).
 * Written from EPPO-API.md like the rest of the emulator's wire types, not taken from src/eppo or
 * src/reconcile (which keeps the same list): the emulator stands alone, so a client that got the
 * API wrong is caught by it rather than agreed with.
 */
export const WRITABLE_FIELDS = [
  'name',
  'experiment_key',
  'entity_id',
  'assignment_source_id',
  'assignments_start_date',
  'assignments_end_date',
  'hypothesis',
  'traffic_allocation',
  'variations',
  'metrics',
] as const;

export interface Refs {
  entities: readonly ApiEntity[];
  assignmentSources: readonly ApiAssignmentSource[];
  metrics: readonly ApiMetric[];
}

export type Validation = { ok: true; value: ApiWritableFields } | { ok: false; message: string };

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

class Invalid extends Error {}

function fail(message: string): never {
  throw new Invalid(message);
}

/**
 * Validates a POST body (no `base`) or a PUT body merged onto `base`, the way a
 * server would: required fields, types, ranges, references to existing
 * entities, assignment sources and metrics, exactly one control. Returns the
 * normalised writable fields (dates as ISO UTC with milliseconds) or the first
 * problem as a message naming the field.
 */
export function validateExperimentBody(body: unknown, refs: Refs, base?: StoredExperiment): Validation {
  try {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) fail('request body must be a JSON object');
    const received = body as Record<string, unknown>;
    const merged: Record<string, unknown> = {};
    for (const key of WRITABLE_FIELDS) {
      if (base !== undefined) merged[key] = base[key];
      if (Object.hasOwn(received, key)) merged[key] = received[key];
    }
    return { ok: true, value: checkFields(merged, refs) };
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, message: error.message };
    throw error;
  }
}

function checkFields(input: Record<string, unknown>, refs: Refs): ApiWritableFields {
  const name = requiredString(input, 'name');
  const experimentKey = requiredString(input, 'experiment_key');
  const entityId = requiredInteger(input, 'entity_id');
  const entity = refs.entities.find((e) => e.id === entityId);
  if (entity === undefined) fail(`entity_id ${entityId} does not exist (known: ${known(refs.entities)})`);
  const sourceId = requiredInteger(input, 'assignment_source_id');
  const source = refs.assignmentSources.find((s) => s.id === sourceId);
  if (source === undefined) fail(`assignment_source_id ${sourceId} does not exist (known: ${known(refs.assignmentSources)})`);
  if (source.entity_id !== undefined && source.entity_id !== entityId) {
    fail(`assignment_source_id ${sourceId} (${source.name}) belongs to entity_id ${source.entity_id}, not entity_id ${entityId}`);
  }
  const start = optionalDate(input, 'assignments_start_date');
  const end = optionalDate(input, 'assignments_end_date');
  if (start !== null && end !== null && Date.parse(end) <= Date.parse(start)) {
    fail('assignments_end_date must be after assignments_start_date');
  }
  const hypothesis = input['hypothesis'] ?? null;
  if (hypothesis !== null && typeof hypothesis !== 'string') fail('hypothesis must be a string or null');
  const traffic = input['traffic_allocation'] ?? 1;
  if (typeof traffic !== 'number' || !Number.isFinite(traffic)) fail('traffic_allocation must be a number');
  if (!(traffic > 0 && traffic <= 1)) fail(`traffic_allocation must be greater than 0 and at most 1, got ${traffic}`);
  return {
    name,
    experiment_key: experimentKey,
    entity_id: entityId,
    assignment_source_id: sourceId,
    assignments_start_date: start,
    assignments_end_date: end,
    hypothesis,
    traffic_allocation: traffic,
    variations: checkVariations(input['variations']),
    metrics: checkMetrics(input['metrics'], refs),
  };
}

function checkVariations(value: unknown): ApiVariationFields[] {
  if (value === undefined || value === null) fail('variations is required');
  if (!Array.isArray(value)) fail('variations must be an array');
  if (value.length < 2) fail(`variations must have at least 2 items, got ${value.length}`);
  const seen = new Set<string>();
  const out = value.map((item: unknown, i): ApiVariationFields => {
    const at = `variations[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) fail(`${at} must be an object`);
    const v = item as Record<string, unknown>;
    const variantKey = requiredString(v, 'variant_key', at);
    if (seen.has(variantKey)) fail(`${at}.variant_key "${variantKey}" is used by another variation`);
    seen.add(variantKey);
    const name = v['name'] === undefined ? variantKey : requiredString(v, 'name', at);
    const isControl = v['is_control'] ?? false;
    if (typeof isControl !== 'boolean') fail(`${at}.is_control must be a boolean`);
    const weight = v['weighted_expected_traffic'];
    if (weight === undefined) fail(`${at}.weighted_expected_traffic is required`);
    if (typeof weight !== 'number' || !Number.isFinite(weight)) fail(`${at}.weighted_expected_traffic must be a number`);
    if (weight < 0 || weight > 1) fail(`${at}.weighted_expected_traffic must be between 0 and 1, got ${weight}`);
    const isActive = v['is_active'] ?? true;
    if (typeof isActive !== 'boolean') fail(`${at}.is_active must be a boolean`);
    return { name, variant_key: variantKey, is_control: isControl, weighted_expected_traffic: weight, is_active: isActive };
  });
  const controls = out.filter((v) => v.is_control).length;
  if (controls !== 1) fail(`variations must have exactly one control (is_control: true), found ${controls}`);
  return out;
}

function checkMetrics(value: unknown, refs: Refs): ApiMetricRef[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail('metrics must be an array');
  const seen = new Set<number>();
  return value.map((item: unknown, i): ApiMetricRef => {
    const at = `metrics[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) fail(`${at} must be an object`);
    const m = item as Record<string, unknown>;
    const metricId = requiredInteger(m, 'metric_id', at);
    if (!refs.metrics.some((x) => x.id === metricId)) fail(`${at}.metric_id ${metricId} does not exist (known: ${known(refs.metrics)})`);
    if (seen.has(metricId)) fail(`${at}.metric_id ${metricId} is listed twice`);
    seen.add(metricId);
    const isPrimary = m['is_primary'] ?? false;
    if (typeof isPrimary !== 'boolean') fail(`${at}.is_primary must be a boolean`);
    return { metric_id: metricId, is_primary: isPrimary };
  });
}

function requiredString(obj: Record<string, unknown>, key: string, at?: string): string {
  const field = at === undefined ? key : `${at}.${key}`;
  const value = obj[key];
  if (value === undefined || value === null) fail(`${field} is required`);
  if (typeof value !== 'string') fail(`${field} must be a string`);
  if (value.trim() === '') fail(`${field} must not be empty`);
  return value;
}

function requiredInteger(obj: Record<string, unknown>, key: string, at?: string): number {
  const field = at === undefined ? key : `${at}.${key}`;
  const value = obj[key];
  if (value === undefined || value === null) fail(`${field} is required`);
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(`${field} must be an integer`);
  return value;
}

function optionalDate(obj: Record<string, unknown>, key: string): string | null {
  const value = obj[key];
  if (value === undefined || value === null) return null;
  const date = typeof value === 'string' ? parseIsoDate(value) : undefined;
  if (date === undefined) fail(`${key} must be an ISO-8601 date or date-time (e.g. 2026-01-05T00:00:00.000Z) or null`);
  return date.toISOString();
}

/** Parses an ISO-8601 date or date-time (UTC when no offset is given); undefined when it is not one. */
export function parseIsoDate(value: string): Date | undefined {
  const match = ISO_DATE.exec(value);
  if (match === null) return undefined;
  const hasTime = value.length > 10;
  const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/.test(value.slice(10));
  const ms = Date.parse(hasTime && !hasZone ? `${value.replace(' ', 'T')}Z` : value.replace(' ', 'T'));
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

function known(items: readonly { id: number; name: string }[]): string {
  return items.map((i) => `${i.id} ${i.name}`).join(', ') || 'none';
}

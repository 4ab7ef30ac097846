// The emulator under load: 10,000 experiments listed in pages of 250 over
// loopback with undici (target: the full listing under 1 s).
import { Agent, request } from 'undici';
import { startEmulator } from '../dist/emulator/index.js';
import { peakRssMb, report, timed } from './lib.mjs';

const COUNT = 10_000;
const PAGE = 250;

const emulator = await startEmulator({ port: 0 });
const agent = new Agent({ connections: 4 });
try {
  const [, seedMs] = await timed(async () =>
    emulator.seedExperiments(
      Array.from({ length: COUNT }, (_, i) => ({
        name: `Experiment ${i}`,
        experiment_key: `bench-experiment-${i}`,
        entity_id: 1,
        assignment_source_id: 1 + (i % 2) * 2,
        assignments_start_date: '2026-01-05T00:00:00.000Z',
        hypothesis: `Variant B lifts checkout conversion in cohort ${i}.`,
        traffic_allocation: 1,
        variations: [
          { name: 'Control', variant_key: 'control', is_control: true, weighted_expected_traffic: 0.5, is_active: true },
          { name: 'Treatment', variant_key: 'treatment', is_control: false, weighted_expected_traffic: 0.5, is_active: true },
        ],
        metrics: [{ metric_id: 1 + (i % 5), is_primary: true }],
      })),
    ),
  );
  report('seed 10,000 experiments (in-process)', seedMs, 'ms');

  const listAll = async () => {
    let total = 0;
    for (let offset = 0; ; offset += PAGE) {
      const res = await request(`${emulator.url}/experiments?limit=${PAGE}&offset=${offset}`, {
        headers: { 'x-eppo-token': emulator.apiKey },
        dispatcher: agent,
      });
      if (res.statusCode !== 200) throw new Error(`page at offset ${offset}: HTTP ${res.statusCode}`);
      const page = await res.body.json();
      total += page.length;
      if (page.length < PAGE) return total;
    }
  };
  await listAll(); // warm-up (JIT, connection)
  const [listed, listMs] = await timed(listAll);
  if (listed !== COUNT) throw new Error(`listed ${listed} experiments, expected ${COUNT}`);
  report(`list ${COUNT} experiments in pages of ${PAGE} (${Math.ceil((COUNT + 1) / PAGE)} requests)`, listMs, 'ms', 1000);
  const [, coldMs] = await timed(async () => {
    await emulator.close();
  });
  report('close', coldMs, 'ms');
  report('peak RSS', peakRssMb(), 'MB');
} finally {
  await agent.close();
  await emulator.close();
}

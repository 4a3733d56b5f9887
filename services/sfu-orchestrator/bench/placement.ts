/**
 * Placement simulation at internet scale: 1,000 SFU nodes of 8 workers, 100,000 rooms of a
 * heavy-tailed size distribution and a few webinars (20 speakers, thousands of viewers), then a burst of 10,000 joins in 10 s while the orchestrator
 * sees node statistics refreshed only every 2 s. The Placement class and three naive strategies
 * run in this one process on identical inputs (one seed).
 *
 *   cd services/sfu-orchestrator && npm run bench [-- --seed 1 --nodes 1000 --rooms 100000
 *     --burst 10000 --strategies cascade,least-loaded,round-robin,random --no-variants]
 *
 * Unknown arguments are ignored (scripts/bench.sh passes the sfu-node bench's own). Writes
 * bench-results/orchestrator-placement.json and .md at the repository root.
 */
import { parseArgs } from 'node:util';

import type { PlacementSettings } from '../src/placement/placement';
import { PlacementConfigSchema, placementSettings } from '../src/placement/placement-config';
import { createWorld, DEFAULT_WORLD } from './population';
import { printTable, type Variant, writeReport } from './report';
import { simulate, type StrategyResult } from './simulate';
import { STRATEGIES, type StrategyName } from './strategies';

/** Settings of `cascade` also run (after the four strategies) to show what balance depends on. */
const VARIANTS: [string, Partial<PlacementSettings>][] = [
  ['sticky slack 0.05', { stickySlack: 0.05 }],
  ['sticky slack 0.15', { stickySlack: 0.15 }],
  ['no sticky slack (threshold 0.7 only)', { stickySlack: 1 }],
  ['no sticky slack, worker slack 0.1', { stickySlack: 1, workerStickinessSlack: 0.1 }],
];

function main(): void {
  const { values } = parseArgs({
    strict: false,
    options: {
      seed: { type: 'string' },
      nodes: { type: 'string' },
      rooms: { type: 'string' },
      burst: { type: 'string' },
      strategies: { type: 'string' },
      order: { type: 'string' },
      'no-write': { type: 'boolean' },
      'no-variants': { type: 'boolean' },
    },
  });
  const int = (v: unknown, fallback: number) =>
    typeof v === 'string' ? Number.parseInt(v, 10) : fallback;
  const settings = {
    ...DEFAULT_WORLD,
    seed: int(values.seed, DEFAULT_WORLD.seed),
    nodes: int(values.nodes, DEFAULT_WORLD.nodes),
    rooms: int(values.rooms, DEFAULT_WORLD.rooms),
    burstJoins: int(values.burst, DEFAULT_WORLD.burstJoins),
    prePopulationOrder:
      values.order === 'interleaved' ? ('interleaved' as const) : DEFAULT_WORLD.prePopulationOrder,
  };
  const strategies =
    typeof values.strategies === 'string'
      ? (values.strategies.split(',') as StrategyName[])
      : STRATEGIES;
  // The orchestrator's own configuration (its defaults, or ORCH_* from the environment) and the
  // product's media model, which the simulated clients follow too.
  const placement = placementSettings(PlacementConfigSchema.parse(process.env));
  const started = Date.now();
  const world = createWorld(settings);
  console.log(
    `world: ${settings.nodes} nodes × ${settings.workersPerNode} workers, ${settings.rooms} rooms, ` +
      `${world.stats.prePopulationParticipants} participants before the burst, ` +
      `capacity ${world.maxStreams} streams per node; burst ${world.burst.room.length} joins ` +
      `in ${settings.burstMs / 1000} s, heartbeats every ${settings.heartbeatMs / 1000} s`,
  );
  const results: StrategyResult[] = [];
  for (const name of strategies) {
    const result = simulate(world, name, placement);
    console.log(
      `${name}: simulated in ${result.simulationSeconds.toFixed(1)} s; max/mean before the burst ` +
        `${result.balance.preBurst.toFixed(3)}, busiest node ${(result.maxNodeLoad * 100).toFixed(0)} %`,
    );
    for (const [i, w] of result.webinars.entries())
      console.log(
        `  webinar #${i + 1}: ${w.speakers} speakers and ${w.viewers} viewers on ${w.nodes} nodes ` +
          `(speakers on ${w.speakerNodes}), viewers per node ${w.viewersPerNode.max} at most, ` +
          `${w.viewersPerNode.min} at least; ${w.pipeConsumers} pipe consumers ` +
          `(${w.pipeConsumers === w.pipeConsumersEachSpeakerOnce ? 'each node gets each speaker once' : `expected ${w.pipeConsumersEachSpeakerOnce}`}); ` +
          `busiest speakers' node ${(w.maxSpeakerNodeLoad * 100).toFixed(0)} %`,
      );
    results.push(result);
  }
  printTable(results);
  // The same world under other settings of `cascade`: what the figures are sensitive to.
  const variants: Variant[] = [];
  if (strategies.includes('cascade') && !values['no-variants']) {
    for (const [label, settings] of VARIANTS) {
      const result = simulate(world, 'cascade', { ...placement, ...settings });
      console.log(
        `cascade with ${label}: max/mean ${result.balance.preBurst.toFixed(3)} before the burst, ` +
          `${result.balance.endOfBurst.toFixed(3)} at its end (nodes ${result.balance.nodesEndOfBurst.toFixed(3)}), p99 ${result.latencyUs.p99.toFixed(1)} µs`,
      );
      variants.push({ label, settings, result });
    }
  }
  if (!values['no-write']) {
    const written = writeReport(world, placement, results, Date.now() - started, variants);
    console.log(`wrote ${written.join(', ')}`);
  }
}

main();

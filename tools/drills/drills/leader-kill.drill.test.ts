import type { SdkBot } from '@cascade/testing';
import { eventually } from '@cascade/testing';

import { type Member, allDecode, joinMember, startBot, stopAll } from '../src/call';
import { DrillRecorder, REPEAT } from '../src/report';
import { DrillStack } from '../src/stack';

/**
 * `kill -9` of the orchestrator replica that leads a room (holds its lease in Redis), two
 * replicas running: a newcomer joins at once and is placed by the other replica, which takes the
 * room over; the room spans both nodes, so the newcomer's media crosses nodes through pipes.
 * Measured: from the kill to the newcomer's `room.join` answered (its placement, by the new
 * leader), and to its first decoded frame.
 */
const recorder = new DrillRecorder('leader-kill', 'kill -9 of the orchestrator leader', {
  figure: 'kill → first placement by the new leader (newcomer’s room.join answered)',
  what: 'new leader placing after a leader kill, p95',
  limit: 5_000,
  unit: 'ms',
});
/** The bound asserted (the goal is reported): a newcomer not placed within this fails. */
const PLACEMENT_LIMIT_MS = 20_000;
let stack: DrillStack;

beforeAll(async () => {
  stack = await DrillStack.start({ spread: true });
}, 180_000);

afterAll(async () => {
  if (process.env['CASCADE_TEST_SHOW_LOGS']) console.log(stack?.dumpLogs(80));
  await stack?.stop();
  await recorder.save();
}, 120_000);

it(
  `a follower takes over from a killed leader: joins and cross-node pipes keep working (${REPEAT}×)`,
  async () => {
    for (let rep = 1; rep <= REPEAT; rep++) {
      const bots: SdkBot[] = [];
      try {
        const roomId = (await stack.createRoom('u_owner')).id;
        const [g1, g2] = [stack.gatewayUrl(1), stack.gatewayUrl(2)];
        const members: Member[] = [];
        for (const [i, name] of [`a${rep}`, `b${rep}`].entries()) {
          const bot = await startBot(stack, roomId, name, i % 2 ? [g2, g1] : [g1, g2]);
          bots.push(bot);
          members.push(await joinMember(bot));
        }
        await allDecode(`rep ${rep}, before the kill`, members);
        const leader = await eventually(
          'the room to have a leader',
          () => stack.leaderOf(roomId),
          (l) => l !== undefined,
        );
        const newcomerBot = await startBot(stack, roomId, `c${rep}`, [g1, g2]);
        bots.push(newcomerBot);

        const killAt = await stack.kill(leader!.name);
        const newcomer = await joinMember(newcomerBot);
        const placed = (await newcomerBot.eventsOf('timing')).find(
          (e) => e.payload.step === 'room.join' && e.at >= killAt,
        );
        expect(placed).toBeDefined();
        expect(placed!.at - killAt).toBeLessThanOrEqual(PLACEMENT_LIMIT_MS);
        recorder.add(
          'kill → first placement by the new leader (newcomer’s room.join answered)',
          placed!.at - killAt,
        );
        members.push(newcomer);
        const after = await eventually(
          'the survivor to hold the lease',
          () => stack.leaderOf(roomId),
          (l) => l !== undefined && l.owner !== leader!.owner,
        );
        expect(after!.name).not.toBe(leader!.name);
        const view = await stack.roomView(roomId);
        const nodes = new Set(view.participants.map((p) => p.nodeId));
        expect(view.participants.map((p) => p.participantId).sort()).toEqual(
          members.map((m) => m.room.participantId).sort(),
        );
        recorder.notes.push(
          `rep ${rep}: killed ${leader!.name}; the room on ${nodes.size} node(s) after the join (${view.pipes.length} pipe(s))`,
        );
        await allDecode(`rep ${rep}, after the kill`, members, { frames: 5, samples: 9_600 });
        const firstFrames = (await newcomerBot.received()) as Record<
          string,
          { kind: string; firstAt: number }
        >;
        const video = Object.values(firstFrames).filter((t) => t.kind === 'video' && t.firstAt > 0);
        if (video.length > 0)
          recorder.add(
            'kill → newcomer’s first decoded frame',
            Math.min(...video.map((t) => t.firstAt)) - killAt,
          );
        recorder.repetitions = rep;
      } catch (error) {
        recorder.lost.push(`rep ${rep}: failed: ${String(error).split('\n')[0]}`);
        console.log(stack.dumpLogs(40));
        throw error;
      } finally {
        await stopAll(bots);
        for (const name of ['orchestrator-1', 'orchestrator-2'] as const)
          if (!stack.processes.has(name)) await stack.restart(name);
      }
    }
  },
  REPEAT * 240_000,
);

import type { SdkBot } from '@cascade/testing';

import { type Member, allDecode, joinMember, startBot, stopAll } from '../src/call';
import { DrillRecorder, REPEAT } from '../src/report';
import { DrillStack } from '../src/stack';

/**
 * `kill -9` of the gateway two of three SDK clients are connected to: they reconnect through the
 * other gateway and resume their sessions (same participant, nobody sees them leave, media never
 * stops). Measured per client: from the kill to its session resumed (`sessionRestored`), and to
 * the first signaling request answered after it.
 */
const recorder = new DrillRecorder('gateway-kill', 'kill -9 of a gateway', {
  figure: 'kill → session resumed on the other gateway, per client',
  what: 'signaling back after a gateway kill, p95',
  limit: 3_000,
  unit: 'ms',
});
/** The bound asserted (the goal is reported): a session not resumed within this fails. */
const SIGNALING_BACK_LIMIT_MS = 15_000;
let stack: DrillStack;

beforeAll(async () => {
  stack = await DrillStack.start();
}, 180_000);

afterAll(async () => {
  if (process.env['CASCADE_TEST_SHOW_LOGS']) console.log(stack?.dumpLogs(80));
  await stack?.stop();
  await recorder.save();
}, 120_000);

it(
  `clients on a killed gateway resume on the other one with their seats and room (${REPEAT}×)`,
  async () => {
    for (let rep = 1; rep <= REPEAT; rep++) {
      const bots: SdkBot[] = [];
      try {
        const roomId = (await stack.createRoom('u_owner')).id;
        const [g1, g2] = [stack.gatewayUrl(1), stack.gatewayUrl(2)];
        const members: Member[] = [];
        for (const [name, urls] of [
          [`a${rep}`, [g1, g2]],
          [`b${rep}`, [g1, g2]],
          [`w${rep}`, [g2, g1]],
        ] as const) {
          const bot = await startBot(stack, roomId, name, [...urls]);
          bots.push(bot);
          members.push(await joinMember(bot));
        }
        const [a, b, witness] = members as [Member, Member, Member];
        await allDecode(`rep ${rep}, before the kill`, members);
        const ids = members.map((m) => m.room.participantId).sort();

        const killAt = await stack.kill('gateway-1');
        for (const m of [a, b]) {
          const restored = await m.bot.waitForEvent(
            'sessionRestored',
            (e) => e.at > killAt,
            Math.max(1, killAt + SIGNALING_BACK_LIMIT_MS - Date.now()),
          );
          recorder.add(
            'kill → session resumed on the other gateway, per client',
            restored.at - killAt,
          );
          if (restored.payload.mode !== 'resumed')
            recorder.lost.push(`rep ${rep}: ${m.name} lost its seat (${restored.payload.mode})`);
          expect([m.name, restored.payload.mode]).toEqual([m.name, 'resumed']);
          const list = await m.bot.request('participant.list', {});
          recorder.add(
            'kill → first request answered after the resume, per client',
            Date.now() - killAt,
          );
          const state = await m.bot.state();
          expect([m.name, state.participantId, state.url]).toEqual([
            m.name,
            m.room.participantId,
            g2,
          ]);
          expect(list.participants.map((p) => p.participantId).sort()).toEqual(ids);
        }
        // Nobody saw anyone leave or lose a track; the room goes on as before.
        for (const m of members) {
          const events = await m.bot.events();
          const gone = events.filter(
            (e) => e.at > killAt && ['participantLeft', 'trackRemoved'].includes(e.type),
          );
          if (gone.length > 0)
            recorder.lost.push(`rep ${rep}: ${m.name} saw ${gone.map((e) => e.type).join(', ')}`);
          expect([m.name, gone]).toEqual([m.name, []]);
        }
        expect((await witness.bot.request('participant.list', {})).participants.length).toBe(3);
        await allDecode(`rep ${rep}, after the kill`, members);
        recorder.repetitions = rep;
      } catch (error) {
        recorder.lost.push(`rep ${rep}: failed: ${String(error).split('\n')[0]}`);
        console.log(stack.dumpLogs(40));
        throw error;
      } finally {
        await stopAll(bots);
        if (!stack.processes.has('gateway-1')) await stack.restart('gateway-1');
      }
    }
  },
  REPEAT * 240_000,
);

import type { SdkBot } from '@cascade/testing';
import { eventually } from '@cascade/testing';

import {
  type Member,
  type Outcome,
  joinMember,
  outcome,
  sleep,
  startBot,
  stopAll,
} from '../src/call';
import { DrillRecorder, REPEAT } from '../src/report';
import { DrillStack } from '../src/stack';

/**
 * Chat under faults: two SDK clients (one on each gateway) send a message every 100 ms, each
 * waiting for its acknowledgement, while the gateway of one of them is killed (`kill -9`; it
 * resumes on the other) and then Redis is cut off for 10 s and restored. Afterwards every
 * message that was acknowledged to its sender is in the room's history (rooms, over HTTP),
 * and none is there twice. Requests refused meanwhile must be typed errors.
 */
const recorder = new DrillRecorder('chat', 'chat under a gateway kill and a Redis cut', {
  figure: 'acknowledged messages missing from the history',
  what: 'acknowledged chat messages lost, in total',
  limit: 0,
  unit: 'count',
});
let stack: DrillStack;

beforeAll(async () => {
  // Ten messages a second per user: far above the default allowance of 30 a minute.
  stack = await DrillStack.start({ gatewayEnv: { GATEWAY_CHAT_RATE_LIMIT_PER_MINUTE: '100000' } });
}, 180_000);

afterAll(async () => {
  if (process.env['CASCADE_TEST_SHOW_LOGS']) console.log(stack?.dumpLogs(80));
  await stack?.stop();
  await recorder.save();
}, 120_000);

interface Sent {
  text: string;
  at: number;
  outcome: Outcome;
  messageId?: string;
}

/** Sends numbered messages one after another until `running()` is false. */
async function chatter(m: Member, running: () => boolean): Promise<Sent[]> {
  const sent: Sent[] = [];
  for (let seq = 0; running(); seq++) {
    const text = `${m.name}-${seq}`;
    const at = Date.now();
    let messageId: string | undefined;
    const o = await outcome('chat.send', async () => {
      messageId = (await m.bot.chat(text)).messageId;
    });
    sent.push({ text, at, outcome: o, ...(messageId ? { messageId } : {}) });
    await sleep(100);
  }
  return sent;
}

/** The room's whole chat history, oldest page last. */
async function history(roomId: string): Promise<Array<{ id: string; text: string }>> {
  const all: Array<{ id: string; text: string }> = [];
  let cursor: string | null = null;
  do {
    const query: string = `limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await stack.process('rooms').fetch(`/rooms/${roomId}/messages?${query}`, {
      headers: { authorization: `Bearer ${stack.accessToken('u_owner')}` },
    });
    if (!res.ok) throw new Error(`history: HTTP ${res.status} ${await res.text()}`);
    const page = (await res.json()) as {
      messages: Array<{ id: string; text: string }>;
      nextCursor: string | null;
    };
    all.push(...page.messages);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

it(
  `every acknowledged chat message is in the history once, through a gateway kill and a Redis cut (${REPEAT}×)`,
  async () => {
    for (let rep = 1; rep <= REPEAT; rep++) {
      const bots: SdkBot[] = [];
      try {
        const roomId = (await stack.createRoom('u_owner')).id;
        const [g1, g2] = [stack.gatewayUrl(1), stack.gatewayUrl(2)];
        const members: Member[] = [];
        for (const [i, name] of [`s${rep}`, `t${rep}`].entries()) {
          const bot = await startBot(stack, roomId, name, i % 2 ? [g2, g1] : [g1, g2], false);
          bots.push(bot);
          members.push(await joinMember(bot));
        }
        let running = true;
        const sending = Promise.all(members.map((m) => chatter(m, () => running)));
        await sleep(2_000);
        const killAt = await stack.kill('gateway-1');
        await members[0]!.bot.waitForEvent('sessionRestored', (e) => e.at > killAt, 60_000);
        await sleep(2_000);
        const cutAt = await stack.cut('redis');
        await sleep(10_000);
        const restoredAt = await stack.restore('redis');
        await sleep(3_000);
        running = false;
        const sent = (await sending).flat();
        await stack.restart('gateway-1');

        const acked = sent.filter((s) => s.outcome.result === 'ok');
        const refused = sent.filter((s) => s.outcome.result !== 'ok');
        const firstAckAfter = (t: number, name: string) =>
          acked.find((s) => s.at > t && s.text.startsWith(`${name}-`));
        const back = firstAckAfter(killAt, members[0]!.name);
        if (back)
          recorder.add(
            'gateway kill → first message acknowledged again (its sender)',
            back.at + back.outcome.ms - killAt,
          );
        const backRedis = acked.find((s) => s.at > restoredAt);
        if (backRedis)
          recorder.add(
            'Redis restored → first message acknowledged',
            backRedis.at + backRedis.outcome.ms - restoredAt,
          );
        const duringCut = sent.filter((s) => s.at >= cutAt && s.at < restoredAt);
        recorder.add('messages acknowledged', acked.length, 'count');
        recorder.add(
          'messages refused (typed errors)',
          refused.filter((s) => /^[A-Z_]+$/.test(s.outcome.result)).length,
          'count',
        );
        const codes: Record<string, number> = {};
        for (const s of refused) codes[s.outcome.result] = (codes[s.outcome.result] ?? 0) + 1;
        recorder.notes.push(
          `rep ${rep}: ${sent.length} sent, ${acked.length} acknowledged, refused: ${JSON.stringify(codes)}; during the Redis cut ${duringCut.filter((s) => s.outcome.result === 'ok').length} of ${duringCut.length} acknowledged; slowest answer ${(Math.max(...sent.map((s) => s.outcome.ms)) / 1_000).toFixed(2)} s`,
        );

        // Every acknowledged message in the history, once (rooms stores them asynchronously).
        const ackedIds = new Set(acked.map((s) => s.messageId!));
        const stored = await eventually(
          'every acknowledged message in the history',
          () => history(roomId),
          (h) => [...ackedIds].every((id) => h.some((m) => m.id === id)),
          { timeoutMs: 20_000, intervalMs: 1_000 },
        ).catch(() => history(roomId));
        const storedIds = stored.map((m) => m.id);
        const missing = acked.filter((s) => !storedIds.includes(s.messageId!));
        const textCounts: Record<string, number> = {};
        for (const m of stored) textCounts[m.text] = (textCounts[m.text] ?? 0) + 1;
        const twice = Object.entries(textCounts).filter(([, n]) => n > 1);
        recorder.add('acknowledged messages missing from the history', missing.length, 'count');
        recorder.add('messages in the history twice', twice.length, 'count');
        if (missing.length)
          recorder.lost.push(
            `rep ${rep}: ${missing.length} acknowledged messages missing (${missing
              .slice(0, 5)
              .map((s) => s.text)
              .join(', ')}…)`,
          );
        if (twice.length)
          recorder.lost.push(
            `rep ${rep}: in the history twice: ${twice.map(([t]) => t).join(', ')}`,
          );
        expect(missing.map((s) => s.text)).toEqual([]);
        expect(twice).toEqual([]);
        expect(refused.filter((s) => !/^[A-Z_]+$/.test(s.outcome.result))).toEqual([]);
        expect(acked.length).toBeGreaterThan(0);
        recorder.repetitions = rep;
      } catch (error) {
        recorder.lost.push(`rep ${rep}: failed: ${String(error).split('\n')[0]}`);
        console.log(stack.dumpLogs(40));
        throw error;
      } finally {
        await stack.restore('redis');
        await stopAll(bots);
        if (!stack.processes.has('gateway-1')) await stack.restart('gateway-1');
      }
    }
  },
  REPEAT * 240_000,
);

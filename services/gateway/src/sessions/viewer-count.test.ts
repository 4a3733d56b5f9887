import type { SignalingEventOf } from '@cascade/contracts';

import { ViewerCountAnnouncer } from './viewer-count';

function announcer(counts: Map<string, number>) {
  const due: Array<() => void> = [];
  const sent: Array<{ room: string; payload: SignalingEventOf<'room.viewers'> }> = [];
  const warnings: string[] = [];
  const subject = new ViewerCountAnnouncer(
    {
      count: (tenantId, roomId) => {
        const n = counts.get(`${tenantId}/${roomId}`);
        return n === undefined ? Promise.reject(new Error('redis down')) : Promise.resolve(n);
      },
      out: {
        toRoom: (tenantId, roomId, event, payload) => {
          expect(event).toBe('room.viewers');
          sent.push({ room: `${tenantId}/${roomId}`, payload: payload as { count: number } });
        },
      },
      schedule: (task) => void due.push(task),
      warn: (_fields, message) => void warnings.push(message),
    },
    1_000,
  );
  const runDue = async () => {
    for (const task of due.splice(0)) task();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { subject, sent, warnings, runDue, due };
}

describe('ViewerCountAnnouncer', () => {
  it('announces many changes of one room once, with the count when it goes', async () => {
    const counts = new Map([['t/r', 3]]);
    const { subject, sent, runDue, due } = announcer(counts);
    subject.changed('t', 'r');
    subject.changed('t', 'r');
    subject.changed('t', 'r');
    expect(due).toHaveLength(1);
    counts.set('t/r', 5);
    await runDue();
    expect(sent).toEqual([{ room: 't/r', payload: { count: 5 } }]);
    expect(subject.pendingForTests).toBe(0);
  });

  it('announces each room on its own, and again after a later change', async () => {
    const counts = new Map([
      ['t/a', 1],
      ['t/b', 2],
    ]);
    const { subject, sent, runDue } = announcer(counts);
    subject.changed('t', 'a');
    subject.changed('t', 'b');
    await runDue();
    counts.set('t/a', 0);
    subject.changed('t', 'a');
    await runDue();
    expect(sent.map((s) => [s.room, s.payload.count])).toEqual([
      ['t/a', 1],
      ['t/b', 2],
      ['t/a', 0],
    ]);
  });

  it('logs a count it cannot read and announces the next change again', async () => {
    const counts = new Map<string, number>();
    const { subject, sent, warnings, runDue } = announcer(counts);
    subject.changed('t', 'r');
    await runDue();
    expect(warnings).toEqual(['viewer count not announced']);
    counts.set('t/r', 4);
    subject.changed('t', 'r');
    await runDue();
    expect(sent).toEqual([{ room: 't/r', payload: { count: 4 } }]);
  });
});

import { EventHold } from './event-hold';

function hold(stale: (e: string) => boolean = () => false) {
  const delivered: string[] = [];
  return { events: new EventHold<string>((e) => delivered.push(e), stale), delivered };
}

describe('EventHold', () => {
  it('delivers at once when nothing holds', () => {
    const { events, delivered } = hold();
    events.receive('a');
    expect(delivered).toEqual(['a']);
  });

  it('replays in order what arrived during nested holds, when the last ends', () => {
    const { events, delivered } = hold();
    events.hold();
    events.receive('a');
    events.hold();
    events.receive('b');
    events.release();
    expect(delivered).toEqual([]);
    expect(events.holding).toBe(true);
    events.release();
    expect(delivered).toEqual(['a', 'b']);
    events.receive('c');
    expect(delivered).toEqual(['a', 'b', 'c']);
  });

  it('drops what went stale while held, and what it was told to forget', () => {
    const { events, delivered } = hold((e) => e.startsWith('old'));
    events.hold();
    events.receive('old-1');
    events.receive('new-1');
    events.release();
    events.hold();
    events.receive('new-2');
    events.clear();
    events.release();
    expect(delivered).toEqual(['new-1']);
  });
});

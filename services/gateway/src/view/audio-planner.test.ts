import { type Audible, type AudibleInput, AudioPlanner } from './audio-planner';
import type { PlannedProducer } from './view-planner';

/** A microphone for each of `ids`. */
const microphones = (...ids: string[]): PlannedProducer[] =>
  ids.map((id) => ({ producerId: `${id}-mic`, participantId: id, kind: 'audio' as const }));

/** A room of `size` participants p0, p1, … each with a microphone and a camera. */
function room(size: number, speakers: string[]): AudibleInput {
  const roster = Array.from({ length: size }, (_, i) => `p${i}`);
  return {
    roster,
    speakers,
    producers: [
      ...microphones(...roster),
      ...roster.map((id) => ({
        producerId: `${id}-cam`,
        participantId: id,
        kind: 'video' as const,
      })),
    ],
  };
}

const ids = (audible: Audible) => (audible === 'all' ? 'all' : [...audible]);

describe('AudioPlanner', () => {
  const planner = new AudioPlanner({ above: 4, loudest: 2 });

  it('lets a room up to its size hear everyone, whoever spoke', () => {
    expect(planner.audible(room(1, []))).toBe('all');
    expect(planner.audible(room(4, ['p3', 'p2', 'p1']))).toBe('all');
  });

  it('lets a larger room hear only its most recent speakers, up to the number', () => {
    expect(ids(planner.audible(room(5, ['p3', 'p0', 'p1'])))).toEqual(['p3', 'p0']);
    expect(ids(planner.audible(room(300, ['p7'])))).toEqual(['p7']);
    // Nobody spoke yet: silence until someone does (the speaker event then lets them through).
    expect(ids(planner.audible(room(5, [])))).toEqual([]);
  });

  it('skips speakers who left or publish no audio, taking the next ones', () => {
    const input = room(6, ['gone', 'p1', 'p2', 'p3']);
    const withoutP1Mic = {
      ...input,
      producers: input.producers.filter((p) => p.producerId !== 'p1-mic'),
    };
    expect(ids(planner.audible(withoutP1Mic))).toEqual(['p2', 'p3']);
  });

  it('plans every audio consumer: paused unless its speaker is heard; video is not its concern', () => {
    const { producers } = room(6, []);
    const consumers = [
      { consumerId: 'c1', producerId: 'p1-mic' },
      { consumerId: 'c2', producerId: 'p2-mic' },
      { consumerId: 'v1', producerId: 'p1-cam' },
      { consumerId: 'gone', producerId: 'closed-mic' },
    ];
    expect(planner.plan(new Set(['p2', 'p5']), producers, consumers)).toEqual([
      { consumerId: 'c1', participantId: 'p1', paused: true },
      { consumerId: 'c2', participantId: 'p2', paused: false },
    ]);
    expect(planner.plan('all', producers, consumers).map((p) => p.paused)).toEqual([false, false]);
  });

  it('is the same choice for every participant of the room, each hearing it without itself', () => {
    const input = room(6, ['p0', 'p1']);
    const audible = planner.audible(input);
    // p0 consumes everyone's audio but its own: of those, only p1's flows.
    const p0Consumes = input.producers
      .filter((p) => p.kind === 'audio' && p.participantId !== 'p0')
      .map((p) => ({ consumerId: `p0>${p.producerId}`, producerId: p.producerId }));
    const flowing = planner.plan(audible, input.producers, p0Consumes).filter((p) => !p.paused);
    expect(flowing.map((p) => p.participantId)).toEqual(['p1']);
  });

  it('knows when two choices let the same speakers be heard', () => {
    expect(AudioPlanner.same('all', 'all')).toBe(true);
    expect(AudioPlanner.same('all', new Set())).toBe(false);
    expect(AudioPlanner.same(new Set(['a', 'b']), new Set(['b', 'a']))).toBe(true);
    expect(AudioPlanner.same(new Set(['a', 'b']), new Set(['a', 'c']))).toBe(false);
    expect(AudioPlanner.same(new Set(['a']), new Set(['a', 'c']))).toBe(false);
  });

  it('names the loudest voice of a node’s levels when it speaks and is not heard', () => {
    const voice = (participantId: string, volume: number) => ({ participantId, volume });
    // p2 is the loudest and speaks, but not among the two most recent speakers: to be heard.
    expect(planner.unheardVoice([voice('p1', -40), voice('p2', -20)], ['p0', 'p1', 'p2'])).toBe(
      'p2',
    );
    // Among them already, or not loud enough to count as speaking, or nobody: nothing to do.
    expect(planner.unheardVoice([voice('p2', -20)], ['p2', 'p0'])).toBeUndefined();
    expect(planner.unheardVoice([voice('p3', -60)], [])).toBeUndefined();
    expect(planner.unheardVoice([], ['p0'])).toBeUndefined();
  });
});

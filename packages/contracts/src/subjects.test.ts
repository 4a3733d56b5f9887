import { CascadeError } from './errors';
import { createSubjects } from './subjects';

describe('NATS subjects', () => {
  const subjects = createSubjects('cascade');

  it('addresses one node by id under the prefix', () => {
    expect(subjects.sfuHeartbeat('node-1')).toBe('cascade.sfu.heartbeat.node-1');
    expect(subjects.sfuNodeControl('node-1')).toBe('cascade.sfu.node.node-1.control');
    expect(subjects.sfuNodePing('node-1')).toBe('cascade.sfu.node.node-1.ping');
  });

  it('builds wildcards that match the per-node subjects', () => {
    const wildcard = subjects.sfuHeartbeatAll().split('.');
    const concrete = subjects.sfuHeartbeat('n1').split('.');
    expect(wildcard).toHaveLength(concrete.length);
    wildcard.forEach((token, i) => expect(token === '*' || token === concrete[i]).toBe(true));

    const events = subjects.sfuRoomEventsAll().split('.');
    const event = subjects.sfuRoomEvents('n1', 't1', 'r1').split('.');
    expect(events).toHaveLength(event.length);
  });

  it('asks the rooms service in its own subjects', () => {
    expect(subjects.roomsMemberRole()).toBe('cascade.rooms.member-role');
    expect(subjects.roomsMemberRole()).not.toBe(subjects.roomsAuthorizeJoin());
    expect(subjects.roomsChatStore()).toBe('cascade.rooms.chat-store');
  });

  it('keeps two prefixes apart, so that test runs do not hear each other', () => {
    const other = createSubjects('test.run42');
    expect(other.roomEvents('t', 'r')).toBe('test.run42.room-events.t.r');
    expect(other.roomEvents('t', 'r')).not.toBe(subjects.roomEvents('t', 'r'));
  });

  it.each(['a.b', '*', '>', 'has space', ''])('refuses %j as an id token', (bad) => {
    expect(() => subjects.sfuHeartbeat(bad)).toThrow(CascadeError);
    expect(() => subjects.roomEvents('t1', bad)).toThrow(/invalid room id/);
  });

  it('refuses a prefix with wildcards', () => {
    expect(() => createSubjects('cascade.>')).toThrow(/invalid NATS subject prefix/);
  });
});

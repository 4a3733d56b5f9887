import type { NodeView, RoomView } from '@cascade/contracts';

import {
  USAGE,
  UsageError,
  format,
  formatNodes,
  formatRoom,
  formatRooms,
  main,
  parseArgs,
  table,
} from './admin-cli';

function node(nodeId: string, over: Partial<NodeView> = {}): NodeView {
  return {
    nodeId,
    region: 'eu-west',
    state: 'serving',
    ageMs: 1_500,
    load: 0.456,
    cpu: 0.3,
    streams: 120,
    maxStreams: 1_000,
    bitrateOutBps: 12_345_678,
    workers: 4,
    reservations: 0,
    rooms: 3,
    participants: 17,
    ...over,
  };
}

const participant = (participantId: string, nodeId: string, workerIndex = 0) => ({
  participantId,
  nodeId,
  workerIndex,
  joinedAt: 1_700_000_000_000,
});

const producer = (producerId: string, participantId: string, nodeId: string) => ({
  producerId,
  participantId,
  nodeId,
  kind: 'video' as const,
  source: 'camera' as const,
  paused: false,
});

/** alice and bob on sfu-a, carol on sfu-b; two of their producers cross the pair. */
const standup: RoomView = {
  tenantId: 'acme',
  roomId: 'standup',
  participants: [
    participant('alice', 'sfu-a'),
    participant('bob', 'sfu-a', 1),
    participant('carol', 'sfu-b'),
  ],
  producers: [
    producer('a-cam', 'alice', 'sfu-a'),
    producer('a-mic', 'alice', 'sfu-a'),
    producer('c-cam', 'carol', 'sfu-b'),
  ],
  pipes: [
    {
      nodes: ['sfu-a', 'sfu-b'],
      producers: [
        { producerId: 'a-cam', from: 'sfu-a', to: 'sfu-b', consumers: 1 },
        { producerId: 'c-cam', from: 'sfu-b', to: 'sfu-a', consumers: 2 },
      ],
    },
  ],
};

const lines = (text: string) => text.replace(/\n$/, '').split('\n');

/** Where each header word starts: every row's cell must start there too. */
function columnStarts(header: string): number[] {
  return [...header.matchAll(/\S+( \S+)*/g)].map((m) => m.index);
}

function cellsAt(line: string, starts: number[]): string[] {
  return starts.map((start, i) => line.slice(start, starts[i + 1]).trim());
}

describe('parseArgs', () => {
  it.each([
    { argv: ['nodes'], request: { op: 'nodes.list' } },
    { argv: ['rooms'], request: { op: 'rooms.list' } },
    { argv: ['rooms', '--tenant', 'acme'], request: { op: 'rooms.list', tenantId: 'acme' } },
    { argv: ['--tenant', 'acme', 'rooms'], request: { op: 'rooms.list', tenantId: 'acme' } },
    {
      argv: ['room', 'acme', 'standup'],
      request: { op: 'room.get', tenantId: 'acme', roomId: 'standup' },
    },
    { argv: ['drain', 'sfu-a'], request: { op: 'node.drain', nodeId: 'sfu-a' } },
    { argv: ['undrain', 'sfu-a'], request: { op: 'node.undrain', nodeId: 'sfu-a' } },
    // A Kubernetes node name names the node by the id its sfu-node derived from it.
    {
      argv: ['drain', 'ip-10-0-0-1.eu-west-1.compute.internal'],
      request: { op: 'node.drain', nodeId: 'ip-10-0-0-1_eu-west-1_compute_internal' },
    },
  ])('$argv asks for $request.op', ({ argv, request }) => {
    expect(parseArgs(argv)).toEqual({ request, json: false, timeoutMs: 5_000 });
  });

  it.each([
    { argv: ['nodes', '--json'], json: true, timeoutMs: 5_000 },
    { argv: ['--json', 'drain', 'sfu-a'], json: true, timeoutMs: 5_000 },
    { argv: ['nodes', '--timeout', '250'], json: false, timeoutMs: 250 },
    { argv: ['--timeout', '1', '--json', 'nodes'], json: true, timeoutMs: 1 },
  ])('$argv: json $json, timeout $timeoutMs ms', ({ argv, json, timeoutMs }) => {
    expect(parseArgs(argv)).toMatchObject({ json, timeoutMs });
  });

  it.each([
    { argv: [], message: 'a command is required' },
    { argv: ['launch'], message: 'unknown command launch' },
    { argv: ['room'], message: 'room needs TENANT ROOM' },
    { argv: ['room', 'acme'], message: 'room needs ROOM' },
    { argv: ['drain'], message: 'drain needs NODE' },
    { argv: ['undrain'], message: 'undrain needs NODE' },
    { argv: ['nodes', '--verbose'], message: 'unknown option --verbose' },
    { argv: ['--json'], message: 'a command is required' },
  ])('$argv is a usage error: $message', ({ argv, message }) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });

  it.each([['0'], ['-5'], ['1.5'], ['soon'], [''], ['--json']])(
    '--timeout %j is a usage error',
    (value) => {
      expect(() => parseArgs(['nodes', '--timeout', value])).toThrow(
        new UsageError('--timeout needs a positive number of milliseconds'),
      );
    },
  );

  it('--timeout without a value is a usage error', () => {
    expect(() => parseArgs(['nodes', '--timeout'])).toThrow(
      new UsageError('--timeout needs a positive number of milliseconds'),
    );
  });

  it.each([[['rooms', '--tenant']], [['rooms', '--tenant', '--json']]])(
    '%j is a usage error: an option is not a tenant id',
    (argv) => {
      expect(() => parseArgs(argv)).toThrow(new UsageError('--tenant needs a tenant id'));
    },
  );
});

describe('table', () => {
  it('aligns left-aligned columns under a header and a rule, two spaces apart', () => {
    expect(
      table(
        ['NAME', 'N'],
        [
          ['a', 1],
          ['longer', 22],
        ],
      ),
    ).toBe(['NAME    N', '------  --', 'a       1', 'longer  22', ''].join('\n'));
  });

  it('prints the header and the rule alone when there are no rows', () => {
    expect(table(['NODE', 'STATE'], [])).toBe('NODE  STATE\n----  -----\n');
  });

  it('leaves no trailing spaces after a short last cell', () => {
    const out = table(
      ['A', 'LAST'],
      [
        ['x', ''],
        ['yy', 'z'],
      ],
    );

    for (const line of lines(out)) expect(line).toBe(line.trimEnd());
  });
});

describe('formatNodes', () => {
  it('says so when no node is registered', () => {
    expect(formatNodes([])).toBe('no SFU nodes registered\n');
  });

  it('prints one aligned row per node with load, streams, bandwidth and heartbeat age', () => {
    const out = formatNodes([
      node('sfu-a'),
      node('sfu-b-with-a-long-name', {
        region: 'us-east',
        state: 'draining',
        load: 1.2,
        cpu: 0.05,
        streams: 0,
        bitrateOutBps: 0,
        rooms: 0,
        participants: 0,
        ageMs: 0,
      }),
    ]);

    const [header, rule, ...rows] = lines(out);
    expect(out.endsWith('\n')).toBe(true);
    expect(header).toMatch(
      /^NODE +REGION +STATE +LOAD +CPU +STREAMS +OUT Mbps +ROOMS +PARTICIPANTS +AGE$/,
    );
    expect(rule).toMatch(/^-+( {2}-+)+$/);
    const starts = columnStarts(header!);
    expect(starts).toHaveLength(10);
    expect(rows.map((row) => cellsAt(row, starts))).toEqual([
      ['sfu-a', 'eu-west', 'serving', '46%', '30%', '120/1000', '12.3', '3', '17', '1.5s'],
      [
        'sfu-b-with-a-long-name',
        'us-east',
        'draining',
        '120%',
        '5%',
        '0/1000',
        '0.0',
        '0',
        '0',
        '0.0s',
      ],
    ]);
  });

  it('prints a drained or undrained node as a one-row table', () => {
    for (const op of ['node.drain', 'node.undrain'] as const) {
      const out = format(op, node('sfu-a', { state: 'draining' }));
      expect(lines(out)).toHaveLength(3);
      expect(out).toContain('draining');
    }
  });
});

describe('formatRooms', () => {
  it('says so when no room is placed', () => {
    expect(formatRooms([])).toBe('no rooms placed\n');
  });

  it('prints a room with where each participant is and what crosses each pipe', () => {
    const out = lines(formatRoom(standup));

    expect(out[0]).toBe('room acme/standup: 3 participants, 3 producers, 1 pipe pairs');
    const people = out.slice(1, 6);
    const starts = columnStarts(people[0]!);
    expect(people.map((l) => cellsAt(l, starts))).toEqual([
      ['PARTICIPANT', 'NODE', 'WORKER', 'PRODUCERS'],
      ['-----------', '-----', '------', '---------'],
      ['alice', 'sfu-a', '0', '2'],
      ['bob', 'sfu-a', '1', '0'],
      ['carol', 'sfu-b', '0', '1'],
    ]);
    const pipes = out.slice(6);
    const pipeStarts = columnStarts(pipes[0]!);
    expect(pipes.map((l) => cellsAt(l, pipeStarts))).toEqual([
      ['PIPE', 'PIPED PRODUCERS', 'CONSUMERS'],
      ['---------------', '---------------', '---------'],
      ['sfu-a <-> sfu-b', '2', '3'],
    ]);
  });

  it('prints only the summary line of an empty room', () => {
    const empty: RoomView = {
      tenantId: 'acme',
      roomId: 'empty',
      participants: [],
      producers: [],
      pipes: [],
    };

    expect(formatRoom(empty)).toBe('room acme/empty: 0 participants, 0 producers, 0 pipe pairs\n');
  });

  it('separates rooms with a blank line', () => {
    const other: RoomView = { ...standup, roomId: 'retro', pipes: [] };

    const out = formatRooms([standup, other]);

    expect(out).toBe(`${formatRoom(standup)}\n${formatRoom(other)}`);
    expect(out).toContain('\n\nroom acme/retro: 3 participants');
    expect(format('rooms.list', { rooms: [standup, other] })).toBe(out);
    expect(format('room.get', standup)).toBe(formatRoom(standup));
  });
});

describe('main', () => {
  it.each([
    ['nodes'],
    ['rooms [--tenant ID]'],
    ['room TENANT ROOM'],
    ['drain NODE'],
    ['undrain NODE'],
  ])('documents `cascade-admin %s` in the usage', (command) => {
    expect(USAGE).toContain(`cascade-admin ${command}`);
  });

  it.each([['--help'], ['-h']])('prints the usage for %s and exits 0', async (flag) => {
    const out: string[] = [];
    const err: string[] = [];

    const code = await main(
      ['nodes', flag],
      {},
      (s) => out.push(s),
      (s) => err.push(s),
    );

    expect(code).toBe(0);
    expect(out.join('')).toBe(`${USAGE}\n`);
    expect(err).toEqual([]);
  });

  it('prints the usage error and the usage on stderr, exiting 2, without connecting', async () => {
    const out: string[] = [];
    const err: string[] = [];

    const code = await main(
      ['launch'],
      {},
      (s) => out.push(s),
      (s) => err.push(s),
    );

    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err.join('')).toBe(`unknown command launch\n\n${USAGE}\n`);
  });
});

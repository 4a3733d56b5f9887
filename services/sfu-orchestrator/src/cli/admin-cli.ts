import {
  type NodeView,
  type OrchestratorAdminRequest,
  type OrchestratorAdminOp,
  type RoomView,
  createSubjects,
  deriveNodeId,
} from '@cascade/contracts';
import { natsAuthOptions, natsInboxPrefix } from '@cascade/server-kit';
import { OrchestratorClient } from '@cascade/sfu-client';
import { connect } from '@nats-io/transport-node';

export const USAGE = `cascade-admin — operate Cascade's SFU orchestrator

Usage:
  cascade-admin nodes                     list SFU nodes with their state and load
  cascade-admin rooms [--tenant ID]       list rooms: where each participant and pipe is
  cascade-admin room TENANT ROOM          one room
  cascade-admin drain NODE                stop placing on NODE; it exits once empty
  cascade-admin undrain NODE              place on NODE again
                                          (NODE: the node id, or the Kubernetes node name)

Options:
  --json          print the orchestrator's answer as JSON
  --timeout MS    how long to wait for the orchestrator (default 5000)

Environment: NATS_URL (default nats://127.0.0.1:4222), NATS_SUBJECT_PREFIX (default cascade).`;

export class UsageError extends Error {}

/** The admin request a command line asks for. */
export function parseArgs(argv: string[]): {
  request: OrchestratorAdminRequest;
  json: boolean;
  timeoutMs: number;
} {
  const args = [...argv];
  let asJson = false;
  let timeoutMs = 5_000;
  let tenantId: string | undefined;
  const positional: string[] = [];
  const value = (option: string, what: string) => {
    const next = args.shift();
    if (next === undefined || next.startsWith('--'))
      throw new UsageError(`${option} needs ${what}`);
    return next;
  };
  while (args.length) {
    const arg = args.shift()!;
    if (arg === '--json') asJson = true;
    else if (arg === '--timeout')
      timeoutMs = Number(value('--timeout', 'a positive number of milliseconds'));
    else if (arg === '--tenant') tenantId = value('--tenant', 'a tenant id');
    else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else positional.push(arg);
  }
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    throw new UsageError('--timeout needs a positive number of milliseconds');
  const [command, a, b] = positional;
  const need = (value: string | undefined, what: string) => {
    if (!value) throw new UsageError(`${command} needs ${what}`);
    return value;
  };
  let request: OrchestratorAdminRequest;
  switch (command) {
    case 'nodes':
      request = { op: 'nodes.list' };
      break;
    case 'rooms':
      request = tenantId ? { op: 'rooms.list', tenantId } : { op: 'rooms.list' };
      break;
    case 'room':
      request = { op: 'room.get', tenantId: need(a, 'TENANT ROOM'), roomId: need(b, 'ROOM') };
      break;
    case 'drain':
      request = { op: 'node.drain', nodeId: deriveNodeId(need(a, 'NODE')) };
      break;
    case 'undrain':
      request = { op: 'node.undrain', nodeId: deriveNodeId(need(a, 'NODE')) };
      break;
    default:
      throw new UsageError(command ? `unknown command ${command}` : 'a command is required');
  }
  return { request, json: asJson, timeoutMs };
}

/** A plain-text table: a header row, a rule, and left-aligned columns. */
export function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(cells[0]!), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)]
    .join('\n')
    .concat('\n');
}

export function formatNodes(nodes: NodeView[]): string {
  if (nodes.length === 0) return 'no SFU nodes registered\n';
  return table(
    [
      'NODE',
      'REGION',
      'STATE',
      'LOAD',
      'CPU',
      'STREAMS',
      'OUT Mbps',
      'ROOMS',
      'PARTICIPANTS',
      'AGE',
    ],
    nodes.map((n) => [
      n.nodeId,
      n.region,
      n.state,
      `${Math.round(n.load * 100)}%`,
      `${Math.round(n.cpu * 100)}%`,
      `${n.streams}/${n.maxStreams}`,
      (n.bitrateOutBps / 1e6).toFixed(1),
      n.rooms,
      n.participants,
      `${(n.ageMs / 1000).toFixed(1)}s`,
    ]),
  );
}

export function formatRooms(rooms: RoomView[]): string {
  if (rooms.length === 0) return 'no rooms placed\n';
  return rooms.map(formatRoom).join('\n');
}

export function formatRoom(room: RoomView): string {
  const head = `room ${room.tenantId}/${room.roomId}: ${room.participants.length} participants, ${room.producers.length} producers, ${room.pipes.length} pipe pairs\n`;
  const people = room.participants.length
    ? table(
        ['PARTICIPANT', 'NODE', 'WORKER', 'PRODUCERS'],
        room.participants.map((p) => [
          p.participantId,
          p.nodeId,
          p.workerIndex,
          room.producers.filter((x) => x.participantId === p.participantId).length,
        ]),
      )
    : '';
  const pipes = room.pipes.length
    ? table(
        ['PIPE', 'PIPED PRODUCERS', 'CONSUMERS'],
        room.pipes.map((p) => [
          `${p.nodes[0]} <-> ${p.nodes[1]}`,
          p.producers.length,
          p.producers.reduce((n, x) => n + x.consumers, 0),
        ]),
      )
    : '';
  return head + people + pipes;
}

export function format(op: OrchestratorAdminOp, data: unknown): string {
  switch (op) {
    case 'nodes.list':
      return formatNodes((data as { nodes: NodeView[] }).nodes);
    case 'rooms.list':
      return formatRooms((data as { rooms: RoomView[] }).rooms);
    case 'room.get':
      return formatRoom(data as RoomView);
    case 'node.drain':
    case 'node.undrain':
      return formatNodes([data as NodeView]);
  }
}

/** Runs one command; resolves with the exit code. */
export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    if (argv.includes('--help') || argv.includes('-h')) {
      out(`${USAGE}\n`);
      return 0;
    }
    parsed = parseArgs(argv);
  } catch (error) {
    err(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const subjects = createSubjects(env['NATS_SUBJECT_PREFIX'] || undefined);
  const set = (name: string) => (env[name] ? env[name] : undefined);
  // The orchestrator's NATS user (its variables, as in its pod) may ask the orchestrator.
  const nc = await connect({
    servers: (env['NATS_URL'] ?? 'nats://127.0.0.1:4222').split(','),
    ...natsAuthOptions({
      NATS_USER: set('NATS_USER'),
      NATS_PASSWORD: set('NATS_PASSWORD'),
      NATS_TOKEN: set('NATS_TOKEN'),
      NATS_CREDS: set('NATS_CREDS'),
    }),
    inboxPrefix: natsInboxPrefix('sfu-orchestrator'),
  });
  try {
    const op = parsed.request.op;
    const orchestrator = new OrchestratorClient(nc, subjects, { timeoutMs: parsed.timeoutMs });
    const data = await orchestrator.admin(parsed.request);
    out(parsed.json ? `${JSON.stringify(data, null, 2)}\n` : format(op, data));
    return 0;
  } catch (error) {
    const e = error as { code?: string; message: string };
    err(`cascade-admin: ${e.code ? `${e.code}: ` : ''}${e.message}\n`);
    return 1;
  } finally {
    await nc.close();
  }
}

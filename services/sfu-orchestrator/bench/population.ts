/**
 * The simulated world every strategy is run against: nodes, rooms and their sizes, the order in
 * which the pre-burst population joins, and the burst. Generated once from a seed, shared by all
 * strategies, so that they see identical inputs.
 */
import { MEDIA_MODEL } from '@cascade/contracts';

/** mulberry32: small, fast, good enough for a simulation, and seedable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A deterministic value in [0, 1) from integers (CPU noise that is the same in every run). */
export function hash01(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35) ^ c;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return ((h ^ (h >>> 16)) >>> 0) / 4_294_967_296;
}

/**
 * Room sizes (people at the end), heavy tailed: most calls are one-to-one or a handful of
 * people, some are team meetings of 10–50, a few are all-hands or webinars of 100–300.
 */
export const ROOM_SIZES = [
  { share: 0.5, sizes: '2', draw: () => 2 },
  { share: 0.3, sizes: '3–4', draw: (r: () => number) => 3 + Math.floor(r() * 2) },
  { share: 0.13, sizes: '5–9', draw: (r: () => number) => 5 + Math.floor(r() * 5) },
  { share: 0.065, sizes: '10–50 (log-uniform)', draw: (r: () => number) => logUniform(r, 10, 50) },
  { share: 0.004, sizes: '51–99', draw: (r: () => number) => 51 + Math.floor(r() * 49) },
  {
    share: 0.001,
    sizes: '100–300 (log-uniform)',
    draw: (r: () => number) => logUniform(r, 100, 300),
  },
] as const;

function logUniform(r: () => number, min: number, max: number): number {
  return Math.min(max, Math.floor(min * (max / min) ** r()));
}

export function drawRoomSize(r: () => number): number {
  let u = r();
  for (const bucket of ROOM_SIZES) {
    if (u < bucket.share) return bucket.draw(r);
    u -= bucket.share;
  }
  return 2;
}

export const REGIONS = ['eu-west', 'us-east', 'us-west', 'ap-south'] as const;

export interface WorldSettings {
  seed: number;
  nodes: number;
  workersPerNode: number;
  rooms: number;
  /** Mean stream load of the nodes once the pre-burst population is in (participant model). */
  targetLoad: number;
  burstJoins: number;
  burstMs: number;
  heartbeatMs: number;
  /** Shares of the burst: joins into existing rooms, into new small rooms, into new big events. */
  burstExisting: number;
  burstEvents: { rooms: number; joinsEach: number };
  /** A participant's region hint is the room's home region with this probability. */
  homeRegionShare: number;
  /** Pre-burst joins: every room gathers in turn, or all rooms grow at once. */
  prePopulationOrder: 'room-by-room' | 'interleaved';
  /**
   * Webinars: rooms of a few speakers and thousands of viewers (a token that subscribes without
   * publishing), gathered before the burst (speakers first, then viewers); `burstViewers` more
   * viewers of theirs join during the burst (of its `burstJoins`).
   */
  webinars: { rooms: number; speakers: number; viewers: number; burstViewers: number };
}

export const DEFAULT_WORLD: WorldSettings = {
  seed: 20_261_121,
  nodes: 1_000,
  workersPerNode: 8,
  rooms: 100_000,
  targetLoad: 0.55,
  burstJoins: 10_000,
  burstMs: 10_000,
  heartbeatMs: 2_000,
  burstExisting: 0.5,
  burstEvents: { rooms: 10, joinsEach: 100 },
  homeRegionShare: 0.8,
  prePopulationOrder: 'room-by-room',
  webinars: { rooms: 3, speakers: 20, viewers: 5_000, burstViewers: 1_500 },
};

/**
 * The product's media model (`MEDIA_MODEL` in @cascade/contracts), the one the orchestrator's
 * reservations use too: last-N (most other participants one participant receives, camera and
 * microphone: what Jitsi's last-N and LiveKit's adaptive subscription do in large rooms, about
 * the number of tiles on a screen), streams per participant, bitrate per consumed stream.
 */
export const LAST_N = MEDIA_MODEL.lastN;
export const STREAMS_PER_PARTICIPANT = MEDIA_MODEL.streamsPerParticipant;

/** Streams one participant carries in a room of n: its own, and those of up to LAST_N others. */
export const streamsOfParticipant = (n: number) =>
  STREAMS_PER_PARTICIPANT * (1 + Math.min(n - 1, LAST_N));

/** Streams of a room of n on one node, without pipes (n participants of streamsOfParticipant). */
export const streamsOfRoom = (n: number) => n * streamsOfParticipant(n);

/** Streams one viewer carries among s speakers: theirs, up to LAST_N of them (none of its own). */
export const streamsOfViewer = (speakers: number) =>
  STREAMS_PER_PARTICIPANT * Math.min(speakers, LAST_N);

export interface World {
  settings: WorldSettings;
  nodeIds: string[];
  nodeRegions: number[];
  /** Streams and outgoing bitrate a node is sized for. */
  maxStreams: number;
  maxBitrateOutBps: number;
  /**
   * Home region of every room: pre-burst rooms first, then the webinars, then the rooms the
   * burst creates.
   */
  roomRegions: Uint8Array;
  preBurstRooms: number;
  /** Final size of every pre-burst room (webinars apart). */
  roomSizes: Int32Array;
  /** Room indices of the webinars. */
  webinarRooms: number[];
  /** Pre-burst joins: room index, region hint and viewer (1) or speaker (0), in join order. */
  prePopulation: { room: Int32Array; region: Uint8Array; viewer: Uint8Array };
  /** Burst joins: room, region hint, viewer flag and time (ms since the burst began), by time. */
  burst: { room: Int32Array; region: Uint8Array; viewer: Uint8Array; atMs: Float64Array };
  stats: {
    prePopulationParticipants: number;
    prePopulationStreams: number;
    roomsBySize: { sizes: string; share: number; rooms: number; participants: number }[];
    largestRoom: number;
    burstIntoExistingRooms: number;
    burstIntoNewRooms: number;
    burstNewRooms: number;
    burstIntoEvents: number;
    webinarSpeakers: number;
    webinarViewers: number;
    burstIntoWebinars: number;
  };
}

/** Mean outgoing bitrate of one consumed stream (`MEDIA_MODEL`). */
export const BITRATE_PER_STREAM_BPS = MEDIA_MODEL.bitratePerStreamBps;

export function createWorld(settings: WorldSettings = DEFAULT_WORLD): World {
  const r = prng(settings.seed);
  const nodeIds = Array.from(
    { length: settings.nodes },
    (_, i) => `sfu-${String(i).padStart(4, '0')}`,
  );
  const perRegion = Math.ceil(settings.nodes / REGIONS.length);
  const nodeRegions = nodeIds.map((_, i) => Math.floor(i / perRegion));

  // Pre-burst rooms and their sizes.
  const roomSizes = new Int32Array(settings.rooms);
  const buckets = ROOM_SIZES.map((b) => ({ sizes: b.sizes, share: b.share, rooms: 0, people: 0 }));
  let participants = 0;
  let streams = 0;
  for (let i = 0; i < settings.rooms; i++) {
    const n = drawRoomSize(r);
    roomSizes[i] = n;
    participants += n;
    streams += streamsOfRoom(n);
    const b = buckets.find((_, k) => n <= maxOfBucket(k))!;
    b.rooms++;
    b.people += n;
  }
  // Webinars: room indices after the pre-burst rooms; sized into the nodes' capacity like them.
  const web = settings.webinars;
  const webinarRooms = Array.from({ length: web.rooms }, (_, w) => settings.rooms + w);
  const webinarJoins = web.speakers + web.viewers;
  participants += web.rooms * webinarJoins;
  streams +=
    web.rooms * (streamsOfRoom(web.speakers) + web.viewers * streamsOfViewer(web.speakers));
  const maxStreams = Math.ceil(streams / settings.nodes / settings.targetLoad);

  // Room by room; each webinar gathers after an even share of the other rooms (speakers first).
  const preRoom = new Int32Array(participants);
  const preViewer = new Uint8Array(participants);
  let k = 0;
  let nextWebinar = 0;
  const webinarAfter = (w: number) => Math.floor(((w + 1) * settings.rooms) / (web.rooms + 1));
  const gatherWebinar = () => {
    for (let j = 0; j < webinarJoins; j++) {
      preViewer[k] = j < web.speakers ? 0 : 1;
      preRoom[k++] = webinarRooms[nextWebinar]!;
    }
    nextWebinar++;
  };
  for (let i = 0; i < settings.rooms; i++) {
    for (let j = 0; j < roomSizes[i]!; j++) preRoom[k++] = i;
    while (nextWebinar < web.rooms && webinarAfter(nextWebinar) <= i + 1) gatherWebinar();
  }
  while (nextWebinar < web.rooms) gatherWebinar();
  if (settings.prePopulationOrder === 'interleaved') shuffle(preRoom, r, preViewer);

  const roomRegions: number[] = [];
  for (let i = 0; i < settings.rooms + web.rooms; i++)
    roomRegions.push(Math.floor(r() * REGIONS.length));
  const hint = (room: number) =>
    r() < settings.homeRegionShare ? roomRegions[room]! : Math.floor(r() * REGIONS.length);
  const preRegion = new Uint8Array(participants);
  for (let i = 0; i < participants; i++) preRegion[i] = hint(preRoom[i]!);

  // The burst: joins into existing rooms (uniformly), into new rooms of the usual sizes, into a
  // few new big events (meetings starting on the hour), and viewers into the webinars.
  const burstRooms: number[] = [];
  const burstViewers: number[] = [];
  const existing = Math.round(settings.burstJoins * settings.burstExisting);
  for (let i = 0; i < existing; i++) burstRooms.push(Math.floor(r() * settings.rooms));
  const events = settings.burstEvents.rooms * settings.burstEvents.joinsEach;
  let newRooms = 0;
  let intoNew = 0;
  for (let e = 0; e < settings.burstEvents.rooms; e++) {
    const room = roomRegions.length;
    roomRegions.push(Math.floor(r() * REGIONS.length));
    for (let j = 0; j < settings.burstEvents.joinsEach; j++) burstRooms.push(room);
  }
  // Within the burst's joins: what the other shares leave, at most.
  const intoWebinars =
    web.rooms > 0
      ? Math.min(web.burstViewers, Math.max(0, settings.burstJoins - existing - events))
      : 0;
  for (let i = 0; i < intoWebinars; i++) burstRooms.push(webinarRooms[i % web.rooms]!);
  const small = settings.burstJoins - existing - events - intoWebinars;
  while (intoNew < small) {
    const room = roomRegions.length;
    roomRegions.push(Math.floor(r() * REGIONS.length));
    newRooms++;
    const n = Math.min(drawRoomSize(r), small - intoNew);
    for (let j = 0; j < n; j++) burstRooms.push(room);
    intoNew += n;
  }
  const webinarSet = new Set(webinarRooms);
  for (const room of burstRooms) burstViewers.push(webinarSet.has(room) ? 1 : 0);
  const burstRoom = Int32Array.from(burstRooms);
  const burstViewer = Uint8Array.from(burstViewers);
  shuffle(burstRoom, r, burstViewer);
  const atMs = Float64Array.from({ length: burstRoom.length }, () => r() * settings.burstMs).sort();
  const burstRegion = Uint8Array.from(burstRoom, (room) => hint(room));

  return {
    settings,
    nodeIds,
    nodeRegions,
    maxStreams,
    maxBitrateOutBps: maxStreams * BITRATE_PER_STREAM_BPS,
    roomRegions: Uint8Array.from(roomRegions),
    preBurstRooms: settings.rooms + web.rooms,
    roomSizes,
    webinarRooms,
    prePopulation: { room: preRoom, region: preRegion, viewer: preViewer },
    burst: { room: burstRoom, region: burstRegion, viewer: burstViewer, atMs },
    stats: {
      prePopulationParticipants: participants,
      prePopulationStreams: streams,
      roomsBySize: buckets.map((b) => ({
        sizes: b.sizes,
        share: b.share,
        rooms: b.rooms,
        participants: b.people,
      })),
      largestRoom: Math.max(...roomSizes),
      burstIntoExistingRooms: existing,
      burstIntoNewRooms: intoNew,
      burstNewRooms: newRooms,
      burstIntoEvents: events,
      webinarSpeakers: web.speakers,
      webinarViewers: web.viewers,
      burstIntoWebinars: intoWebinars,
    },
  };
}

function maxOfBucket(k: number): number {
  return [2, 4, 9, 50, 99, Infinity][k]!;
}

/** Shuffles `a` in place, and `b` (when given) in the same order. */
function shuffle(a: Int32Array, r: () => number, b?: Uint8Array): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
    if (b) {
      const u = b[i]!;
      b[i] = b[j]!;
      b[j] = u;
    }
  }
}

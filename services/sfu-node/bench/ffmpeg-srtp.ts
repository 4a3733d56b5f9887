import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';

import { stopProcess, tailOutput } from '@cascade/testing';
import { withTimeout } from './measure';

export const SRTP_SUITE = 'AES_CM_128_HMAC_SHA1_80';

export interface SrtpParameters {
  cryptoSuite: typeof SRTP_SUITE;
  keyBase64: string;
}

/** A fresh AES_CM_128_HMAC_SHA1_80 master key and salt (16 + 14 bytes), as mediasoup takes it. */
export function newSrtpParameters(): SrtpParameters {
  return { cryptoSuite: SRTP_SUITE, keyBase64: randomBytes(30).toString('base64') };
}

/**
 * How the ingest transport learns where ffmpeg sends from:
 *  - "fixed": ffmpeg sends from known local ports and the transport is connected to them
 *    (comedia off). Works with every worker build.
 *  - "comedia": the transport learns the address from the first packet, after `connect()` with
 *    only the SRTP key. A worker built with assertions on (no `-Db_ndebug=true`) aborts in that
 *    `connect()`: its flatbuffers ConnectResponse requires a tuple that does not exist yet.
 */
export type IngestMode = 'fixed' | 'comedia';

/** The stream ffmpeg sends: what the producer's rtpParameters and the ingest transport need. */
export interface VideoStream {
  payloadType: number;
  /** ffmpeg's `-ssrc` is a signed 32-bit option: keep it below 2^31. */
  ssrc: number;
  srtp: SrtpParameters;
  /** Where ffmpeg sends RTP from ("fixed" ingest); RTCP comes from `rtcpPort` and is ignored. */
  from?: { ip: string; port: number; rtcpPort: number };
}

export async function newVideoStream(mode: IngestMode): Promise<VideoStream> {
  const stream = { payloadType: 101, ssrc: randomInt(1, 2 ** 31 - 1), srtp: newSrtpParameters() };
  if (mode === 'comedia') return stream;
  const [port, rtcpPort] = await freeUdpPortPair();
  return { ...stream, from: { ip: '127.0.0.1', port, rtcpPort } };
}

/**
 * Two consecutive UDP ports on 127.0.0.1 that were free a moment ago, for ffmpeg to bind. They
 * come from 61000–65535, above both Linux's ephemeral range (to 60999) and every mediasoup port
 * range here (to 59999 by default), so that a worker started in between cannot take them.
 */
async function freeUdpPortPair(attempts = 50): Promise<[number, number]> {
  const bindable = (port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => {
        socket.close();
        resolve(false);
      });
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
    });
  for (let i = 0; i < attempts; i++) {
    const port = 2 * randomInt(30_500, 32_767); // even, 61000–65532
    if ((await bindable(port)) && (await bindable(port + 1))) return [port, port + 1];
  }
  throw new Error('found no two consecutive free UDP ports in 61000–65535');
}

/** The VP8 producer's rtpParameters for `stream` (one encoding, no header extensions). */
export function producerRtpParameters(stream: VideoStream) {
  return {
    codecs: [{ mimeType: 'video/VP8', payloadType: stream.payloadType, clockRate: 90_000 }],
    encodings: [{ ssrc: stream.ssrc }],
  };
}

/**
 * ffmpeg's RTP packet size limit (its default, 1472, fills an Ethernet MTU). 1200 is what
 * libwebrtc sends, and it keeps every packet a consumer re-encrypts far below 1500 bytes: the
 * locally built worker (tools/mediasoup-worker, libsrtp2 behind a libsrtp3 shim, io_uring on)
 * encrypts into 1500-byte io_uring buffers and its shim demands room for the largest possible
 * SRTP trailer (144 bytes), so it drops every outgoing SRTP packet over 1356 bytes
 * ("srtp_protect() failed: out buffer is too small") after the consumer has counted it.
 */
export const RTP_PACKET_SIZE = 1200;

/** The benchmark camera: a synthetic 720p30 picture... */
const CAMERA = ['-f', 'lavfi', '-i', 'testsrc=size=1280x720:rate=30'];
/** ...encoded to ~1 Mbps VP8 with a key frame every 2 s. */
// prettier-ignore
const VP8_1MBPS = ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '1M', '-g', '60'];

/**
 * Where the sender's frames come from:
 *  - "clip": a clip encoded once per run with exactly the live settings, sent with `-c copy`.
 *    Every measurement then gets the same packets, and ffmpeg costs ~1% of a core instead of
 *    a third to a whole one of the two this machine has.
 *  - "live": encoded while sending, as a real camera would be.
 */
export type VideoSource = { kind: 'live' } | { kind: 'clip'; path: string };

/** Encodes the benchmark camera for `seconds` into an IVF file at `path`. */
export async function encodeClip(path: string, seconds: number): Promise<void> {
  // prettier-ignore
  const args = [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning', '-y',
    ...CAMERA, '-t', String(seconds), ...VP8_1MBPS, '-f', 'ivf', path,
  ];
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = tailOutput(child);
  const status = await withTimeout(
    'encoding the benchmark clip',
    30_000 + seconds * 5_000,
    new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => resolve(code));
    }),
  ).finally(() => stopProcess(child, 1_000));
  if (status !== 0) throw new Error(`ffmpeg could not encode the clip (${status}): ${output()}`);
}

/**
 * ffmpeg sending the benchmark camera in real time (`-re`) as SRTP to the ingest transport (RTP
 * and RTCP to the same port, rtcp-mux). It stops by itself after `seconds`; `stop()` ends it
 * sooner.
 */
export class FfmpegSrtpSender {
  readonly output: () => string;

  private constructor(private readonly child: ChildProcess) {
    this.output = tailOutput(child);
    child.on('error', () => undefined); // reported through `running` and `output`
  }

  static start(
    target: { ip: string; port: number },
    stream: VideoStream,
    source: VideoSource,
    seconds: number,
  ): FfmpegSrtpSender {
    const { ip, port } = target;
    const from = stream.from
      ? `&localrtpport=${stream.from.port}&localrtcpport=${stream.from.rtcpPort}`
      : '';
    const input =
      source.kind === 'live'
        ? ['-re', ...CAMERA, '-t', String(seconds), ...VP8_1MBPS]
        : ['-re', '-i', source.path, '-t', String(seconds), '-c:v', 'copy'];
    // prettier-ignore
    const args = [
      '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning',
      ...input,
      '-payload_type', String(stream.payloadType), '-ssrc', String(stream.ssrc),
      '-f', 'rtp',
      '-srtp_out_suite', stream.srtp.cryptoSuite, '-srtp_out_params', stream.srtp.keyBase64,
      `srtp://${ip}:${port}?rtcpport=${port}&pkt_size=${RTP_PACKET_SIZE}${from}`,
    ];
    return new FfmpegSrtpSender(spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return (
      this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  stop(): Promise<void> {
    return stopProcess(this.child, 2_000);
  }
}

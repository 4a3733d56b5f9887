import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

import { stopProcess, tailOutput } from '../test/support/processes';

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

/** Two consecutive UDP ports that were free a moment ago on 127.0.0.1 (ffmpeg binds both). */
async function freeUdpPortPair(attempts = 20): Promise<[number, number]> {
  const bind = (port: number) =>
    new Promise<Socket>((resolve, reject) => {
      const socket = createSocket('udp4');
      socket.once('error', (error) => {
        socket.close();
        reject(error);
      });
      socket.bind(port, '127.0.0.1', () => resolve(socket));
    });
  for (let i = 0; i < attempts; i++) {
    const first = await bind(0);
    const port = first.address().port;
    const second = port < 65_535 ? await bind(port + 1).catch(() => undefined) : undefined;
    first.close();
    second?.close();
    if (second) return [port, port + 1];
  }
  throw new Error('found no two consecutive free UDP ports');
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

/**
 * ffmpeg encoding a synthetic 720p30 camera to ~1 Mbps VP8 in real time and sending it as SRTP
 * (RTP and RTCP multiplexed on one port) to a comedia PlainTransport. It stops by itself after
 * `seconds`; `stop()` ends it sooner.
 */
export class FfmpegSrtpSender {
  readonly output: () => string;

  private constructor(private readonly child: ChildProcess) {
    this.output = tailOutput(child);
    child.on('error', () => undefined); // reported through `running` and `output`
  }

  static start(target: { ip: string; port: number }, stream: VideoStream, seconds: number) {
    const { ip, port } = target;
    const from = stream.from
      ? `&localrtpport=${stream.from.port}&localrtcpport=${stream.from.rtcpPort}`
      : '';
    // prettier-ignore
    const args = [
      '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning',
      '-re', '-f', 'lavfi', '-i', 'testsrc=size=1280x720:rate=30',
      '-t', String(seconds),
      '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '1M', '-g', '60',
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

import { type ChildProcess, spawn } from 'node:child_process';

import { stopProcess, tailOutput } from '@cascade/testing';

/** Where one RTP stream goes and how it is labelled. */
export interface RtpTarget {
  /** Where to send; 127.0.0.1 unless told. */
  ip?: string;
  payloadType: number;
  /** ffmpeg's `-ssrc` is a signed 32-bit option: keep it below 2^31. */
  ssrc: number;
  rtpPort: number;
  rtcpPort: number;
}

/**
 * ffmpeg sending a synthetic camera (lavfi testsrc, VP8) and microphone (440 Hz sine, stereo
 * Opus) as two plain RTP streams (to 127.0.0.1 unless a target says otherwise), in real time
 * (`-re`) for at most `seconds`. Each stream sends its RTCP sender reports to its own `rtcpPort`.
 */
export class FfmpegRtpSender {
  readonly #output: () => string;

  #spawnError: Error | undefined;

  private constructor(private readonly child: ChildProcess) {
    this.#output = tailOutput(child);
    child.on('error', (error) => (this.#spawnError = error));
  }

  static start({
    video,
    audio,
    seconds,
  }: {
    video: RtpTarget;
    audio: RtpTarget;
    seconds: number;
  }): FfmpegRtpSender {
    const url = (t: RtpTarget) =>
      `rtp://${t.ip ?? '127.0.0.1'}:${t.rtpPort}?rtcpport=${t.rtcpPort}`;
    // RTP packets of at most 1200 bytes, as WebRTC senders keep them: ffmpeg's default (1472)
    // leaves no room for the header extensions and SRTP tag an SFU adds on the way to a WebRTC
    // receiver, and libwebrtc then never completes a frame (it NACKs and PLIs forever).
    const packets = ['-pkt_size', '1200'];
    // prettier-ignore
    const args = [
      '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning',
      '-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15',
      '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      // A key frame every second: a consumer forwards video from the first key frame it sees,
      // and ffmpeg ignores the key frame requests (PLI) mediasoup sends it.
      '-map', '0:v', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-g', '15',
      '-t', String(seconds), '-payload_type', String(video.payloadType), '-ssrc', String(video.ssrc),
      ...packets, '-f', 'rtp', url(video),
      '-map', '1:a', '-c:a', 'libopus', '-ac', '2', '-b:a', '64k',
      '-t', String(seconds), '-payload_type', String(audio.payloadType), '-ssrc', String(audio.ssrc),
      ...packets, '-f', 'rtp', url(audio),
    ];
    return new FfmpegRtpSender(spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  /** Whether ffmpeg is still running (it stops by itself after `seconds`, or on an error). */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines ffmpeg printed (warnings and errors only). */
  get output(): string {
    return this.#spawnError ? `could not run ffmpeg: ${this.#spawnError.message}` : this.#output();
  }

  stop(): Promise<void> {
    return stopProcess(this.child);
  }
}

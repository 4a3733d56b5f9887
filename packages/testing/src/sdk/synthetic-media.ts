/**
 * Synthetic media on @roamhq/wrtc, for SdkBot and BrowserClient processes alike: a camera (a moving I420 pattern with a patch of
 * fresh noise, so frames never compress to nothing), a microphone (a sine tone in 10 ms frames,
 * kept in real time), and sinks that decode what is received and count it per producer.
 * Loaded in bot processes only (it needs the native WebRTC module).
 */
import * as wrtc from '@roamhq/wrtc';

import type { BotMedia, ReceivedTrack } from './bot-protocol';

const { RTCVideoSource, RTCAudioSource, RTCVideoSink, RTCAudioSink } = wrtc.nonstandard;

// @roamhq/wrtc's MediaStreamTrack (typed against the DOM, which Node's types do not have).
type WrtcTrack = ReturnType<InstanceType<typeof RTCVideoSource>['createTrack']>;

export interface SyntheticSource {
  track: WrtcTrack;
  stop(): void;
}

export function syntheticCamera({ width, height, fps }: BotMedia['video']): SyntheticSource {
  const source = new RTCVideoSource();
  const track = source.createTrack();
  const data = new Uint8Array((width * height * 3) / 2).fill(128);
  const patch = Math.min(64, width, height);
  let frame = 0;
  const timer = setInterval(() => {
    const bar = (frame++ * 8) % width;
    for (let y = 0; y < height; y++) {
      data.fill(16, y * width, (y + 1) * width);
      data.fill(235, y * width + bar, y * width + Math.min(width, bar + 32));
    }
    for (let y = 0; y < patch; y++) {
      for (let x = 0; x < patch; x++) data[y * width + x] = Math.random() * 256;
    }
    source.onFrame({ width, height, data });
  }, 1000 / fps);
  return { track, stop: () => (clearInterval(timer), track.stop()) };
}

export function syntheticMicrophone({
  frequencyHz,
  sampleRate,
}: BotMedia['audio']): SyntheticSource {
  const source = new RTCAudioSource();
  const track = source.createTrack();
  const frameSamples = sampleRate / 100;
  const started = Date.now();
  let sent = 0;
  const timer = setInterval(() => {
    const due = Math.min(Math.floor((Date.now() - started) / 10) - sent, 20);
    for (let f = 0; f < due; f++, sent++) {
      const samples = new Int16Array(frameSamples);
      for (let i = 0; i < frameSamples; i++) {
        const t = (sent * frameSamples + i) / sampleRate;
        samples[i] = Math.round(12_000 * Math.sin(2 * Math.PI * frequencyHz * t));
      }
      source.onData({
        samples,
        sampleRate,
        bitsPerSample: 16,
        channelCount: 1,
        numberOfFrames: frameSamples,
      });
    }
  }, 10);
  return { track, stop: () => (clearInterval(timer), track.stop()) };
}

/**
 * Decodes a received track into `counted` until stopped: video frames (and their size), or
 * audio chunks and samples (and their loudness).
 */
export function decodingSink(track: unknown, counted: ReceivedTrack): { stop(): void } {
  const mark = (): void => {
    counted.lastAt = Date.now();
    if (counted.firstAt === 0) counted.firstAt = counted.lastAt;
    if (counted.consumerFirstAt === 0) counted.consumerFirstAt = counted.lastAt;
  };
  if (counted.kind === 'video') {
    const sink = new RTCVideoSink(track as WrtcTrack);
    sink.onframe = ({ frame }: { frame: { width: number; height: number } }) => {
      counted.decodedFrames++;
      counted.width = frame.width;
      counted.height = frame.height;
      mark();
    };
    return sink;
  }
  const sink = new RTCAudioSink(track as WrtcTrack);
  sink.ondata = (data: { samples: Int16Array; channelCount: number; numberOfFrames?: number }) => {
    counted.chunks++;
    counted.samples += data.numberOfFrames ?? data.samples.length / Math.max(1, data.channelCount);
    let peak = counted.peak;
    for (const sample of data.samples) peak = Math.max(peak, Math.abs(sample));
    counted.peak = peak;
    mark();
  };
  return sink;
}

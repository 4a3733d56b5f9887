/**
 * The inside of a {@link BrowserClient}: a stock mediasoup-client `Device` with the `Chrome111`
 * handler, running on libwebrtc (@roamhq/wrtc) in a Node process of its own, driven by the test
 * process over IPC. Its camera and microphone are synthetic (a moving I420 pattern and a sine
 * tone); what it receives goes into RTCVideoSink / RTCAudioSink and is summarised by `received`.
 *
 * Started by `browser.ts` as `node run-ts.js browser-process.ts`.
 */
import * as wrtc from '@roamhq/wrtc';
import { Device, type types as client } from 'mediasoup-client';

import { type Channel, type Handlers, IpcRpc } from './rpc';
import { syntheticCamera, syntheticMicrophone } from '../sdk/synthetic-media';

export interface SyntheticMedia {
  video: { width: number; height: number; fps: number };
  audio: { frequencyHz: number; sampleRate: number };
}

export interface ReceivedMedia {
  video: { frames: number; width: number; height: number };
  audio: {
    chunks: number;
    sampleRate: number;
    channelCount: number;
    /** Largest absolute sample value seen, 0–32767 (a decoded tone, not silence, is loud). */
    peak: number;
    /** From zero crossings of the loud part: close to the frequency of the publisher's tone. */
    toneHz: number;
  };
  /** Per producer consumed: video frames or audio chunks decoded from it. */
  byProducer: Record<string, { kind: 'audio' | 'video'; decoded: number }>;
}

/** What the test process asks of a browser. */
export interface BrowserMethods {
  load(p: { routerRtpCapabilities: client.RtpCapabilities }): client.RtpCapabilities;
  publish(p: { transport: client.TransportOptions; media: SyntheticMedia }): {
    producerIds: string[];
  };
  subscribe(p: { transport: client.TransportOptions; consumers: client.ConsumerOptions[] }): void;
  received(p: void): ReceivedMedia;
  close(p: void): void;
}

/** What a published track is, as the product labels it (the `source` of a Cascade producer). */
export type TrackSource = 'camera' | 'microphone';

/** What a browser asks of the test process: the signalling a Cascade server would answer. */
export interface SignallingMethods {
  ready(p: void): void;
  connect(p: { transportId: string; dtlsParameters: client.DtlsParameters }): void;
  produce(p: {
    transportId: string;
    kind: client.MediaKind;
    rtpParameters: client.RtpParameters;
    source: TrackSource;
  }): { id: string };
}

// mediasoup-client's Chrome111 handler uses the browser globals; libwebrtc provides them here.
Object.assign(globalThis, {
  RTCPeerConnection: wrtc.RTCPeerConnection,
  RTCSessionDescription: wrtc.RTCSessionDescription,
  RTCIceCandidate: wrtc.RTCIceCandidate,
  RTCRtpSender: wrtc.RTCRtpSender,
  RTCRtpReceiver: wrtc.RTCRtpReceiver,
  RTCRtpTransceiver: wrtc.RTCRtpTransceiver,
  MediaStream: wrtc.MediaStream,
  MediaStreamTrack: wrtc.MediaStreamTrack,
});

const { RTCVideoSink, RTCAudioSink } = wrtc.nonstandard;

const received: ReceivedMedia = {
  video: { frames: 0, width: 0, height: 0 },
  audio: { chunks: 0, sampleRate: 0, channelCount: 0, peak: 0, toneHz: 0 },
  byProducer: {},
};
const LOUD = 2_000;
const tone = { crossings: 0, samples: 0, last: 0 };

function attachSink(track: client.Consumer['track'], producerId: string): { stop(): void } {
  const counted = { kind: track.kind as 'audio' | 'video', decoded: 0 };
  received.byProducer[producerId] = counted;
  if (track.kind === 'video') {
    const sink = new RTCVideoSink(track);
    sink.onframe = ({ frame }: { frame: { width: number; height: number } }) => {
      counted.decoded++;
      received.video.frames++;
      received.video.width = frame.width;
      received.video.height = frame.height;
    };
    return sink;
  }
  const sink = new RTCAudioSink(track);
  sink.ondata = (data: { samples: Int16Array; sampleRate: number; channelCount: number }) => {
    const { audio } = received;
    counted.decoded++;
    audio.chunks++;
    audio.sampleRate = data.sampleRate;
    audio.channelCount = data.channelCount;
    let peak = 0;
    for (const s of data.samples) peak = Math.max(peak, Math.abs(s));
    audio.peak = Math.max(audio.peak, peak);
    if (peak < LOUD) return;
    for (let i = 0; i < data.samples.length; i += data.channelCount) {
      const sample = data.samples[i] ?? 0;
      if (sample >= 0 !== tone.last >= 0) tone.crossings++;
      tone.last = sample;
      tone.samples++;
    }
    audio.toneHz = Math.round((tone.crossings / 2) * (data.sampleRate / tone.samples));
  };
  return sink;
}

const device = new Device({ handlerName: 'Chrome111' });
const cleanups: Array<() => void> = [];
let recvTransport: client.Transport | undefined;

function wire(transport: client.Transport): client.Transport {
  transport.on('connect', ({ dtlsParameters }, done, fail) => {
    signalling.request('connect', { transportId: transport.id, dtlsParameters }).then(done, fail);
  });
  transport.on('produce', ({ kind, rtpParameters, appData }, done, fail) => {
    const source = appData['source'] as TrackSource;
    signalling
      .request('produce', { transportId: transport.id, kind, rtpParameters, source })
      .then(done, fail);
  });
  cleanups.push(() => transport.close());
  return transport;
}

const browser: Handlers<BrowserMethods> = {
  async load({ routerRtpCapabilities }) {
    await device.load({ routerRtpCapabilities });
    return device.recvRtpCapabilities;
  },
  async publish({ transport, media }) {
    const sendTransport = wire(device.createSendTransport(transport));
    const camera = syntheticCamera(media.video);
    const microphone = syntheticMicrophone(media.audio);
    cleanups.unshift(camera.stop, microphone.stop);
    const video = await sendTransport.produce({
      track: camera.track,
      appData: { source: 'camera' },
    });
    const audio = await sendTransport.produce({
      track: microphone.track,
      appData: { source: 'microphone' },
    });
    return { producerIds: [video.id, audio.id] };
  },
  async subscribe({ transport, consumers }) {
    recvTransport ??= wire(device.createRecvTransport(transport));
    for (const options of consumers) {
      const consumer = await recvTransport.consume(options);
      const sink = attachSink(consumer.track, consumer.producerId);
      cleanups.unshift(() => sink.stop());
    }
  },
  received: () => received,
  close() {
    for (const cleanup of cleanups.splice(0)) cleanup();
  },
};

const signalling = new IpcRpc<SignallingMethods, BrowserMethods>(
  process as unknown as Channel,
  browser,
);

// Leave through process.exit(): @roamhq/wrtc 0.10 crashes (SIGSEGV) in Node's environment
// teardown on a natural exit once an RTCVideoSource or RTCAudioSource has existed.
process.on('disconnect', () => process.exit(0));
void signalling.request('ready', undefined);

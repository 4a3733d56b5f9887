import type { RemoteTrackInfo } from '../types';
import { chooseLayers, layerSpaceOf, layerTargets, spatialLayerForHeight } from './layers';

describe('layerSpaceOf', () => {
  it('reads the layers of a simulcast or SVC consumer from its scalability mode', () => {
    expect(layerSpaceOf({ encodings: [{ scalabilityMode: 'L3T3' }] })).toEqual({
      spatialLayers: 3,
      temporalLayers: 3,
    });
    expect(layerSpaceOf({ encodings: [{ scalabilityMode: 'S2T1' }] })).toEqual({
      spatialLayers: 2,
      temporalLayers: 1,
    });
  });

  it('gives one layer of each to anything else', () => {
    expect(layerSpaceOf({ encodings: [{}] })).toEqual({ spatialLayers: 1, temporalLayers: 1 });
    expect(layerSpaceOf({})).toEqual({ spatialLayers: 1, temporalLayers: 1 });
  });
});

describe('chooseLayers', () => {
  const space = { spatialLayers: 3, temporalLayers: 2 };

  it('keeps layers the stream has', () => {
    expect(chooseLayers(space, 1, 0)).toEqual({ spatialLayer: 1, temporalLayer: 0 });
  });

  it('clamps layers into the stream, and leaves the temporal one to the SFU when not given', () => {
    expect(chooseLayers(space, 9, 9)).toEqual({ spatialLayer: 2, temporalLayer: 1 });
    expect(chooseLayers(space, -1)).toEqual({ spatialLayer: 0 });
    expect(chooseLayers(space, 1.7)).toEqual({ spatialLayer: 1 });
    expect(chooseLayers(space, Number.NaN)).toEqual({ spatialLayer: 0 });
  });
});

describe('spatialLayerForHeight', () => {
  const space = { spatialLayers: 3, temporalLayers: 3 };

  it('picks the lowest layer that fills the view', () => {
    // 720p camera: layers of 180, 360 and 720 lines.
    expect(spatialLayerForHeight(120, 720, space)).toBe(0);
    expect(spatialLayerForHeight(180, 720, space)).toBe(0);
    expect(spatialLayerForHeight(240, 720, space)).toBe(1);
    expect(spatialLayerForHeight(480, 720, space)).toBe(2);
    expect(spatialLayerForHeight(2_000, 720, space)).toBe(2);
    expect(spatialLayerForHeight(100, 720, { spatialLayers: 1, temporalLayers: 1 })).toBe(0);
  });
});

describe('layerTargets', () => {
  const track = (
    consumerId: string,
    participantId: string,
    kind: 'audio' | 'video',
  ): RemoteTrackInfo => ({
    consumerId,
    participantId,
    producerId: `p-${consumerId}`,
    kind,
    source: kind === 'video' ? 'camera' : 'microphone',
    muted: false,
  });
  const tracks = [
    track('c1', 'alice', 'video'),
    track('c2', 'alice', 'audio'),
    track('c3', 'alice', 'video'),
    track('c4', 'bob', 'video'),
  ];

  it('names one track by its consumer id', () => {
    expect(layerTargets(tracks, 'c2').map((t) => t.consumerId)).toEqual(['c2']);
  });

  it("names every video track of a participant by the participant's id", () => {
    expect(layerTargets(tracks, 'alice').map((t) => t.consumerId)).toEqual(['c1', 'c3']);
    expect(layerTargets(tracks, 'nobody')).toEqual([]);
  });
});

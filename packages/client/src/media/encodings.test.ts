import { CAMERA_SIMULCAST_ENCODINGS, publishProfile, simulcastLayersFor } from './encodings';

describe('publishProfile', () => {
  it('sends camera video in three layers of rising resolution and bitrate', () => {
    const { encodings } = publishProfile('camera', 'video');
    expect(encodings?.map((e) => e.scaleResolutionDownBy)).toEqual([4, 2, 1]);
    const bitrates = encodings?.map((e) => e.maxBitrate ?? 0) ?? [];
    expect(bitrates[0]).toBeLessThan(bitrates[1] ?? 0);
    expect(bitrates[1]).toBeLessThan(bitrates[2] ?? 0);
  });

  it('keeps the top layers a smaller camera can send, so that its full resolution is among them', () => {
    const scales = (width: number, height: number) =>
      publishProfile('camera', 'video', { size: { width, height } }).encodings?.map(
        (e) => e.scaleResolutionDownBy,
      );
    expect(scales(1280, 720)).toEqual([4, 2, 1]);
    expect(scales(640, 480)).toEqual([2, 1]);
    expect(scales(320, 240)).toEqual([1]);
  });

  it('hands out copies, never the shared constants', () => {
    const { encodings } = publishProfile('camera', 'video');
    encodings![0]!.maxBitrate = 1;
    expect(CAMERA_SIMULCAST_ENCODINGS[0]?.maxBitrate).not.toBe(1);
  });

  it('sends camera video in one layer without simulcast, and a screen in one sharp layer', () => {
    expect(publishProfile('camera', 'video', { simulcast: false }).encodings).toBeUndefined();
    expect(publishProfile('screen', 'video').encodings).toHaveLength(1);
  });

  it('sends audio with Opus FEC and DTX, stereo for screen audio only', () => {
    expect(publishProfile('microphone', 'audio')).toEqual({
      codecOptions: { opusStereo: false, opusFec: true, opusDtx: true },
    });
    expect(publishProfile('screen-audio', 'audio').codecOptions?.opusStereo).toBe(true);
  });
});

describe('simulcastLayersFor', () => {
  it("follows libwebrtc's layer limit by frame size", () => {
    expect(simulcastLayersFor({ width: 1920, height: 1080 })).toBe(3);
    expect(simulcastLayersFor({ width: 960, height: 540 })).toBe(3);
    expect(simulcastLayersFor({ width: 640, height: 360 })).toBe(2);
    expect(simulcastLayersFor({ width: 480, height: 270 })).toBe(2);
    expect(simulcastLayersFor({ width: 320, height: 240 })).toBe(1);
    expect(simulcastLayersFor({ height: 720 })).toBe(3);
  });

  it('gives three layers to a source of unknown size', () => {
    expect(simulcastLayersFor()).toBe(3);
    expect(simulcastLayersFor({})).toBe(3);
  });
});

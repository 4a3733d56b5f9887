import { DEFAULT_LAST_N, MEDIA_MODEL } from '@cascade/contracts';

import { DEFAULT_PLACEMENT, PlacementConfigSchema, placementSettings } from './placement-config';

describe('placement configuration', () => {
  it("takes last-N and what a viewer costs from the product's media model", () => {
    expect(DEFAULT_PLACEMENT).toMatchObject({
      lastN: DEFAULT_LAST_N,
      streamsPerParticipant: MEDIA_MODEL.streamsPerParticipant,
      bitratePerStreamBps: MEDIA_MODEL.bitratePerStreamBps,
    });
  });

  it('has no setting of its own that could make placement disagree with the product', () => {
    // The orchestrator's former ORCH_LAST_N and ORCH_STREAMS_PER_PARTICIPANT are not read.
    const settings = placementSettings(
      PlacementConfigSchema.parse({ ORCH_LAST_N: '5', ORCH_STREAMS_PER_PARTICIPANT: '7' }),
    );
    expect(settings.lastN).toBe(MEDIA_MODEL.lastN);
    expect(settings.streamsPerParticipant).toBe(MEDIA_MODEL.streamsPerParticipant);
  });

  it('reads the placement thresholds from the environment', () => {
    const settings = placementSettings(
      PlacementConfigSchema.parse({
        ORCH_STICKY_THRESHOLD: '0.6',
        ORCH_STICKY_SLACK: '0.05',
        ORCH_WORKER_STICKINESS_SLACK: '0.1',
      }),
    );
    expect(settings).toMatchObject({
      stickyThreshold: 0.6,
      stickySlack: 0.05,
      workerStickinessSlack: 0.1,
    });
  });

  it.each([
    { what: 'a negative sticky slack', env: { ORCH_STICKY_SLACK: '-0.1' } },
    { what: 'a sticky slack over 1', env: { ORCH_STICKY_SLACK: '1.5' } },
    { what: 'a sticky slack that is not a number', env: { ORCH_STICKY_SLACK: 'lots' } },
    {
      what: 'a sticky threshold over the overload threshold',
      env: { ORCH_STICKY_THRESHOLD: '0.95', ORCH_OVERLOAD_THRESHOLD: '0.9' },
    },
  ])('rejects $what', ({ env }) => {
    expect(PlacementConfigSchema.safeParse(env).success).toBe(false);
  });
});

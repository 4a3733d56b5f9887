import { DEFAULT_LAST_N, LastN, MAX_LAST_N, MEDIA_MODEL, MediaModel } from './media-model';

describe('the media model', () => {
  it('is valid, and the default last-N is its last-N', () => {
    expect(MediaModel.parse(MEDIA_MODEL)).toEqual(MEDIA_MODEL);
    expect(DEFAULT_LAST_N).toBe(MEDIA_MODEL.lastN);
  });

  it.each([
    { lastN: 1, ok: true },
    { lastN: MAX_LAST_N, ok: true },
    { lastN: 0, ok: false },
    { lastN: -3, ok: false },
    { lastN: MAX_LAST_N + 1, ok: false },
    { lastN: 2.5, ok: false },
  ])('last-N $lastN valid: $ok', ({ lastN, ok }) => {
    expect(LastN.safeParse(lastN).success).toBe(ok);
  });
});

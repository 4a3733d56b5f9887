import { type CascadeClient, type CascadeClientEvents, TypedEmitter } from '@cascade/client';
import { act, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { useViewerCount, useVisibleSubscriptions } from './use-call-room';

/** A client with a room of one camera, whose first subscriptions fail as the test says. */
class FakeClient extends TypedEmitter<CascadeClientEvents> {
  failures = 0;
  readonly asked: string[] = [];
  tracks: Array<{ producerId: string }> = [];
  readonly room = {
    producers: [{ producerId: 'cam', participantId: 'p_ann', kind: 'video' }],
    get tracks() {
      return client.tracks;
    },
  };

  subscribe(producerId: string): Promise<unknown> {
    this.asked.push(producerId);
    if (this.failures-- > 0) return Promise.reject(new Error('NOT_FOUND'));
    this.tracks = [{ producerId }];
    return Promise.resolve({});
  }

  unsubscribe(): Promise<void> {
    return Promise.resolve();
  }
}
let client: FakeClient;

describe('useVisibleSubscriptions', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    client = new FakeClient();
  });
  afterEach(() => vi.useRealTimers());

  it('asks again for a visible video whose subscription failed for good', async () => {
    client.failures = 1;
    renderHook(() => useVisibleSubscriptions(client as unknown as CascadeClient, ['p_ann']));
    await act(async () => {
      await Promise.resolve();
    });
    expect(client.asked).toEqual(['cam']);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(2_000);
    });
    expect(client.asked).toEqual(['cam', 'cam']);
    expect(client.tracks).toEqual([{ producerId: 'cam' }]);
  });

  it('does not ask for a video that is not visible', async () => {
    renderHook(() => useVisibleSubscriptions(client as unknown as CascadeClient, []));
    await act(async () => {
      await vi.advanceTimersByTimeAsync(5_000);
    });
    expect(client.asked).toEqual([]);
  });
});

describe('useViewerCount', () => {
  it("follows the SDK's viewer count as its events arrive", () => {
    const sdk = new (class extends TypedEmitter<CascadeClientEvents> {
      viewerCount = 0;
      /** The SDK's `viewerCount` event, as a room.viewers from the gateway makes it. */
      told(count: number) {
        this.viewerCount = count;
        this.emit('viewerCount', { count });
      }
    })();
    const { result } = renderHook(() => useViewerCount(sdk as unknown as CascadeClient));
    expect(result.current).toBe(0);
    act(() => {
      sdk.told(12);
    });
    expect(result.current).toBe(12);
  });
});

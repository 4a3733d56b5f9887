import type { TypedEmitter } from '@cascade/client';
import { useEffect, useMemo, useRef, useSyncExternalStore } from 'react';

/**
 * The one bridge from SDK events to React: re-renders whenever `emitter` emits anything, and
 * returns `select()` computed at that moment. Components never subscribe to the SDK themselves;
 * hooks built on this one turn SDK state into plain values.
 */
export function useEmitterValue<Events extends object, T>(
  emitter: TypedEmitter<Events> | null,
  select: () => T,
): T {
  const store = useMemo(() => {
    let version = 0;
    return {
      subscribe(onChange: () => void) {
        if (!emitter) return () => undefined;
        const listener = () => {
          version++;
          onChange();
        };
        emitter.onAny(listener);
        return () => emitter.offAny(listener);
      },
      version: () => version,
    };
  }, [emitter]);
  useSyncExternalStore(store.subscribe, store.version, store.version);
  // Read on every render: a render for another reason (the join resolving) sees fresh state too.
  return select();
}

/** Runs `listener` for every `event` of `emitter` while mounted (toasts, side effects). */
export function useEmitterEvent<Events extends object, K extends keyof Events>(
  emitter: TypedEmitter<Events> | null,
  event: K,
  listener: (payload: Events[K]) => void,
): void {
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => {
    if (!emitter) return;
    const forward = (payload: Events[K]) => ref.current(payload);
    emitter.on(event, forward);
    return () => {
      emitter.off(event, forward);
    };
  }, [emitter, event]);
}

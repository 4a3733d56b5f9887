import { useCallback, useEffect, useRef } from 'react';

/**
 * A ref for an element whose drawn size (CSS pixels) is reported to `onSize` as it changes
 * (ResizeObserver; nothing where the browser has none).
 */
export function useMeasured<E extends Element>(
  onSize: ((size: { width: number; height: number }) => void) | undefined,
): (element: E | null) => void {
  const report = useRef(onSize);
  report.current = onSize;
  const observer = useRef<ResizeObserver | null>(null);
  useEffect(() => () => observer.current?.disconnect(), []);
  return useCallback((element: E | null) => {
    observer.current?.disconnect();
    observer.current = null;
    if (!element || typeof ResizeObserver === 'undefined') return;
    observer.current = new ResizeObserver(([entry]) => {
      if (!entry) return;
      const { width, height } = entry.contentRect;
      report.current?.({ width, height });
    });
    observer.current.observe(element);
  }, []);
}

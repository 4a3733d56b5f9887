import { useEffect, useState } from 'react';

export type Appearance = 'light' | 'dark';
const KEY = 'cascade.appearance';

function systemAppearance(): Appearance {
  return typeof window !== 'undefined' &&
    window.matchMedia?.('(prefers-color-scheme: dark)').matches
    ? 'dark'
    : 'light';
}

/** Light or dark: the system's, until the user picks one (remembered on this device). */
export function useAppearance(): [Appearance, (next: Appearance) => void] {
  const [chosen, setChosen] = useState<Appearance | null>(() => {
    const stored = typeof localStorage === 'undefined' ? null : localStorage.getItem(KEY);
    return stored === 'light' || stored === 'dark' ? stored : null;
  });
  const [system, setSystem] = useState<Appearance>(systemAppearance);
  useEffect(() => {
    const media = window.matchMedia?.('(prefers-color-scheme: dark)');
    if (!media) return;
    const onChange = () => setSystem(systemAppearance());
    media.addEventListener('change', onChange);
    return () => media.removeEventListener('change', onChange);
  }, []);
  const set = (next: Appearance) => {
    localStorage.setItem(KEY, next);
    setChosen(next);
  };
  return [chosen ?? system, set];
}

import { z } from 'zod';

/** What the pre-join screen remembers for next time, on this device. */
export const CallPreferences = z.object({
  cameraOn: z.boolean().default(true),
  microphoneOn: z.boolean().default(true),
  cameraId: z.string().max(512).optional(),
  microphoneId: z.string().max(512).optional(),
  speakerId: z.string().max(512).optional(),
});
export type CallPreferences = z.infer<typeof CallPreferences>;

const KEY = 'cascade.call.preferences';

export function loadPreferences(
  storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage,
): CallPreferences {
  try {
    const parsed = CallPreferences.safeParse(JSON.parse(storage?.getItem(KEY) ?? '{}'));
    if (parsed.success) return parsed.data;
  } catch {
    // unreadable: start afresh
  }
  return CallPreferences.parse({});
}

export function savePreferences(
  preferences: CallPreferences,
  storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage,
): void {
  try {
    storage?.setItem(KEY, JSON.stringify(CallPreferences.parse(preferences)));
  } catch {
    // storage full or disabled: the choice holds for this visit only
  }
}

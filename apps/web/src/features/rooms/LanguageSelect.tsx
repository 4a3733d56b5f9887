import { Select } from '@radix-ui/themes';
import type { ComponentProps } from 'react';

import { LANGUAGE_OPTIONS } from './languages';

/**
 * A language picker over the app's languages, with an optional first choice that means "any"
 * or "none" (`empty`).
 */
export function LanguageSelect({
  value,
  onChange,
  empty,
  trigger,
  size,
}: {
  value: string;
  onChange: (code: string) => void;
  empty?: { value: string; label: string };
  trigger: ComponentProps<typeof Select.Trigger>;
  size?: ComponentProps<typeof Select.Root>['size'];
}) {
  return (
    <Select.Root value={value} onValueChange={onChange} {...(size ? { size } : {})}>
      <Select.Trigger {...trigger} />
      <Select.Content>
        {empty && (
          <>
            <Select.Item value={empty.value}>{empty.label}</Select.Item>
            <Select.Separator />
          </>
        )}
        {LANGUAGE_OPTIONS.map(({ code, name }) => (
          <Select.Item key={code} value={code}>
            {name}
          </Select.Item>
        ))}
      </Select.Content>
    </Select.Root>
  );
}

import { Flex, Text, TextField } from '@radix-ui/themes';
import type { ComponentProps, ReactNode } from 'react';

import { FieldError } from './FieldError';

type InputProps = Omit<ComponentProps<typeof TextField.Root>, 'id' | 'name' | 'children'>;

/**
 * A labelled text input with its error beside it: the label names the input, and an error
 * marks it invalid and describes it (`aria-invalid`, `aria-describedby`) for screen readers.
 */
export function TextFormField({
  id,
  name,
  label,
  error,
  hint,
  ...input
}: InputProps & {
  id: string;
  name: string;
  label: string;
  error?: string | undefined;
  hint?: ReactNode;
}) {
  const errorId = `${id}-error`;
  return (
    <Flex direction="column" gap="1" flexGrow="1">
      <Text as="label" size="2" weight="medium" htmlFor={id}>
        {label}
      </Text>
      <TextField.Root
        id={id}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        {...input}
      />
      {hint}
      <FieldError id={errorId} message={error} />
    </Flex>
  );
}

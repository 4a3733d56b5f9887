import { Text } from '@radix-ui/themes';

/** The error of one form field, tied to its input by `aria-describedby`. */
export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <Text id={id} size="1" color="red" role="alert">
      {message}
    </Text>
  );
}

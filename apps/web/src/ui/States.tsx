import { Button, Callout, Flex, Heading, Spinner, Text } from '@radix-ui/themes';
import { ExclamationTriangleIcon } from '@radix-ui/react-icons';
import type { ReactNode } from 'react';

import { describeError } from '../lib/api/errors';

/** A failed load, said plainly, with a way to try again. */
export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <Callout.Root color="red" role="alert">
      <Callout.Icon>
        <ExclamationTriangleIcon />
      </Callout.Icon>
      <Flex asChild align="center" gap="3" wrap="wrap">
        <Callout.Text>
          {describeError(error)}
          {onRetry && (
            <Button size="1" variant="soft" color="red" onClick={onRetry}>
              Try again
            </Button>
          )}
        </Callout.Text>
      </Flex>
    </Callout.Root>
  );
}

/** Nothing to show yet, and what to do about it. */
export function EmptyState({
  title,
  children,
  action,
}: {
  title: string;
  children?: ReactNode;
  action?: ReactNode;
}) {
  return (
    <Flex direction="column" align="center" gap="3" py="9" px="4" style={{ textAlign: 'center' }}>
      <Heading as="h2" size="4">
        {title}
      </Heading>
      {children && (
        <Text color="gray" size="2" style={{ maxWidth: 420 }}>
          {children}
        </Text>
      )}
      {action}
    </Flex>
  );
}

/** A page on its way (a lazily loaded page, a session being restored). */
export function PageLoading() {
  return (
    <Flex align="center" justify="center" minHeight="40vh" role="status" aria-label="Loading">
      <Spinner size="3" />
    </Flex>
  );
}

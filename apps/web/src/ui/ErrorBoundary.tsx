import { Button, Callout, Flex, Heading, Text } from '@radix-ui/themes';
import { Component, type ErrorInfo, type ReactNode } from 'react';

/**
 * Keeps one page's failure from taking the whole app down (React unmounts everything on an
 * error nobody catches): the page says so and offers a reload; the header stays usable.
 */
export class ErrorBoundary extends Component<
  { children: ReactNode; resetKey?: unknown },
  { error: Error | null }
> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    // eslint-disable-next-line no-console -- the one place a page's crash is reported
    console.error('cascade: a page failed', error.stack, info.componentStack);
  }

  override componentDidUpdate(previous: { resetKey?: unknown }): void {
    if (this.state.error && previous.resetKey !== this.props.resetKey)
      this.setState({ error: null });
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <Flex direction="column" align="center" gap="4" py="9" role="alert">
        <Heading as="h1" size="6">
          Something went wrong on this page
        </Heading>
        <Callout.Root color="red">
          <Callout.Text>
            <Text>{this.state.error.message}</Text>
          </Callout.Text>
        </Callout.Root>
        <Button onClick={() => window.location.reload()}>Reload</Button>
      </Flex>
    );
  }
}

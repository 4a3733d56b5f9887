import { DevSignInRequest } from '@cascade/contracts';
import {
  Box,
  Button,
  Callout,
  Card,
  Flex,
  Heading,
  Separator,
  Skeleton,
  Text,
} from '@radix-ui/themes';
import { ExclamationTriangleIcon } from '@radix-ui/react-icons';
import { type FormEvent, useState } from 'react';
import { Navigate, useSearchParams } from 'react-router';

import { describeError, fieldErrorsOf, zodFieldErrors } from '../../lib/api/errors';

import { Logo } from '../../ui/Logo';
import { TextFormField } from '../../ui/TextFormField';
import { googleSignInUrl, useAuthMethods, useDevSignIn } from './api';
import { safeReturnPath } from './return-path';
import { useSession } from './use-session';

export function SignInPage() {
  const [params] = useSearchParams();
  const next = safeReturnPath(params.get('next'));
  const tenantParam = params.get('tenant') ?? undefined;
  const { status } = useSession();
  const methods = useAuthMethods(tenantParam);

  if (status === 'signedIn') return <Navigate to={next} replace />;

  const tenant = methods.data?.tenant ?? null;
  return (
    <Flex align="center" justify="center" minHeight="100vh" p="4">
      <Card size={{ initial: '2', sm: '4' }} style={{ width: '100%', maxWidth: 420 }}>
        <Flex direction="column" gap="5">
          <Flex direction="column" align="center" gap="2">
            <Logo size={40} />
            <Heading as="h1" size="6" align="center">
              Sign in to Cascade
            </Heading>
            <Text color="gray" size="2" align="center">
              {tenant ? `Video rooms of ${tenant.name}` : 'Group video calls with friends'}
            </Text>
          </Flex>
          {methods.isPending && <Skeleton height="40px" />}
          {methods.isError && (
            <Callout.Root color="red" role="alert">
              <Callout.Icon>
                <ExclamationTriangleIcon />
              </Callout.Icon>
              <Callout.Text>
                {describeError(methods.error)}{' '}
                <Button variant="ghost" size="1" onClick={() => void methods.refetch()}>
                  Retry
                </Button>
              </Callout.Text>
            </Callout.Root>
          )}
          {methods.data && !tenant && (
            <Callout.Root color="amber" role="alert">
              <Callout.Text>
                This site has no default organisation. Open the link your organisation gave you.
              </Callout.Text>
            </Callout.Root>
          )}
          {tenant && methods.data?.google && (
            <Button asChild size="3" variant="outline">
              <a href={googleSignInUrl(tenant.slug, next)}>
                <GoogleMark /> Continue with Google
              </a>
            </Button>
          )}
          {tenant && methods.data?.google && methods.data.devLogin && (
            <Flex align="center" gap="3">
              <Separator size="4" />
              <Text size="1" color="gray">
                or
              </Text>
              <Separator size="4" />
            </Flex>
          )}
          {tenant && methods.data?.devLogin && <DevSignInForm tenant={tenant.slug} />}
          {methods.data && tenant && !methods.data.google && !methods.data.devLogin && (
            <Text color="gray" align="center">
              No sign-in method is configured for this organisation.
            </Text>
          )}
        </Flex>
      </Card>
    </Flex>
  );
}

function DevSignInForm({ tenant }: { tenant: string }) {
  const signIn = useDevSignIn();
  const [errors, setErrors] = useState<Record<string, string>>({});

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get('email') ?? '').trim();
    const input = {
      tenant,
      displayName: String(form.get('displayName') ?? ''),
      ...(email ? { email } : {}),
    };
    const parsed = DevSignInRequest.safeParse(input);
    if (!parsed.success) {
      setErrors(zodFieldErrors(parsed.error));
      return;
    }
    setErrors({});
    signIn.mutate(input, { onError: (error) => setErrors(fieldErrorsOf(error)) });
  };

  const failed = signIn.isError && Object.keys(fieldErrorsOf(signIn.error)).length === 0;
  return (
    <Box asChild>
      <form onSubmit={submit} noValidate aria-labelledby="dev-sign-in-heading">
        <Flex direction="column" gap="3">
          <Heading as="h2" size="2" id="dev-sign-in-heading" color="gray">
            Development sign-in
          </Heading>
          <TextFormField
            id="displayName"
            name="displayName"
            label="Name"
            autoComplete="name"
            maxLength={100}
            required
            error={errors['displayName']}
          />
          <TextFormField
            id="email"
            name="email"
            label="Email (optional)"
            type="email"
            autoComplete="email"
            maxLength={254}
            error={errors['email']}
          />
          {failed && (
            <Callout.Root color="red" role="alert" size="1">
              <Callout.Text>{describeError(signIn.error)}</Callout.Text>
            </Callout.Root>
          )}
          <Button type="submit" size="3" loading={signIn.isPending}>
            Sign in
          </Button>
        </Flex>
      </form>
    </Box>
  );
}

function GoogleMark() {
  return (
    <svg width="18" height="18" viewBox="0 0 48 48" aria-hidden="true">
      <path
        fill="#EA4335"
        d="M24 9.5c3.5 0 6.6 1.2 9.1 3.6l6.8-6.8C35.8 2.4 30.3 0 24 0 14.6 0 6.6 5.4 2.7 13.3l7.9 6.1C12.5 13.6 17.8 9.5 24 9.5z"
      />
      <path
        fill="#4285F4"
        d="M46.1 24.5c0-1.6-.1-3.1-.4-4.5H24v9h12.4c-.5 2.9-2.2 5.3-4.6 6.9l7.4 5.7c4.3-4 6.9-9.9 6.9-17.1z"
      />
      <path
        fill="#FBBC05"
        d="M10.6 28.6c-.5-1.4-.8-2.9-.8-4.6s.3-3.2.8-4.6l-7.9-6.1C1 16.6 0 20.2 0 24s1 7.4 2.7 10.7l7.9-6.1z"
      />
      <path
        fill="#34A853"
        d="M24 48c6.5 0 11.9-2.1 15.9-5.8l-7.4-5.7c-2.1 1.4-4.8 2.3-8.5 2.3-6.2 0-11.5-4.1-13.4-9.9l-7.9 6.1C6.6 42.6 14.6 48 24 48z"
      />
    </svg>
  );
}

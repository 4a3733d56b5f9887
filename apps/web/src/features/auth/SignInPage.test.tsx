import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { alice, fakeServices, json, renderPage } from '../../test/render';
import { SignInPage } from './SignInPage';

const tenant = { id: 't_dev', slug: 'dev', name: 'Dev' };

describe('Sign-in page', () => {
  it('offers Google only when development sign-in is off', async () => {
    const { services } = fakeServices(() => json(200, { tenant, devLogin: false, google: true }), {
      signedIn: false,
    });
    renderPage(<SignInPage />, services, { path: '/sign-in?next=%2Frooms%2Fr_1' });

    const google = await screen.findByRole('link', { name: /Continue with Google/ });
    expect(google.getAttribute('href')).toBe(
      '/api/identity/auth/google?tenant=dev&returnTo=%2Frooms%2Fr_1&delivery=cookie',
    );
    expect(screen.queryByLabelText('Name')).not.toBeInTheDocument();
  });

  it('signs in with the development form and returns to the page the user wanted', async () => {
    const bodies: unknown[] = [];
    const { services } = fakeServices(
      (url, init) => {
        if (url.pathname === '/api/identity/auth/methods')
          return json(200, { tenant, devLogin: true, google: false });
        if (url.pathname === '/api/identity/auth/dev') {
          bodies.push(JSON.parse(String(init?.body)));
          return json(200, {
            tokenType: 'Bearer',
            accessToken: 'a',
            expiresIn: 900,
            refreshExpiresIn: 9000,
            user: alice,
          });
        }
        return json(404, { code: 'NOT_FOUND', message: 'no' });
      },
      { signedIn: false },
    );
    // Mounted on /sign-in only, as the app does: on '*' the page would render again at the
    // destination (no `next` there) and send a signed-in user on to '/', and the check below
    // would see /rooms/r_1 only if it polled in between.
    renderPage(<SignInPage />, services, {
      path: '/sign-in?next=%2Frooms%2Fr_1',
      route: '/sign-in',
    });
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Name'), 'Alice');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent('/rooms/r_1'));
    expect(bodies).toEqual([{ tenant: 'dev', displayName: 'Alice', delivery: 'cookie' }]);
    expect(services.session.getSnapshot().status).toBe('signedIn');
  });

  it('shows a blank name as a field error without sending it', async () => {
    const { services, fetch } = fakeServices(
      () => json(200, { tenant, devLogin: true, google: false }),
      {
        signedIn: false,
      },
    );
    renderPage(<SignInPage />, services, { path: '/sign-in' });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Sign in' }));

    expect(await screen.findByRole('alert')).toBeInTheDocument();
    expect(screen.getByLabelText('Name')).toHaveAttribute('aria-invalid', 'true');
    expect(fetch.mock.calls.filter(([u]) => String(u).includes('/auth/dev'))).toHaveLength(0);
  });

  it('shows an error with a retry when identity cannot be reached', async () => {
    const { services } = fakeServices(
      () => json(503, { code: 'NODE_UNAVAILABLE', message: 'down' }),
      {
        signedIn: false,
      },
    );
    renderPage(<SignInPage />, services, { path: '/sign-in' });
    expect(
      await screen.findByText('The service is busy. Try again in a moment.', {}, { timeout: 5000 }),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Retry' })).toBeInTheDocument();
  });
});

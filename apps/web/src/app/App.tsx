// Radix Themes, with only the colour scales the app uses (the full token set is most of its CSS).
import '@radix-ui/themes/tokens/base.css';
import '@radix-ui/themes/tokens/colors/slate.css';
import '@radix-ui/themes/tokens/colors/gray.css';
import '@radix-ui/themes/tokens/colors/indigo.css';
import '@radix-ui/themes/tokens/colors/red.css';
import '@radix-ui/themes/tokens/colors/green.css';
import '@radix-ui/themes/tokens/colors/amber.css';
import '@radix-ui/themes/components.css';
import '@radix-ui/themes/utilities.css';
import './app.css';

import { Theme } from '@radix-ui/themes';
import { QueryClientProvider } from '@tanstack/react-query';
import { type ReactNode, Suspense, lazy, useEffect } from 'react';
import { Route, Routes } from 'react-router';

import { RequireAuth } from '../features/auth/RequireAuth';
import { SignInPage } from '../features/auth/SignInPage';
import { RealtimeProvider } from '../features/realtime/RealtimeProvider';
import { LobbyPage } from '../features/rooms/LobbyPage';
import { EmptyState, PageLoading } from '../ui/States';
import { Toaster } from '../ui/Toaster';
import { AppShell } from './AppShell';
import { type AppServices, ServicesProvider } from './services';
import { useAppearance } from './theme';

// The lobby loads first; other pages load when opened. The call (and mediasoup-client with it)
// loads only when someone joins a call.
const CallPage = lazy(() => import('../features/call/CallPage'));
const RoomPage = lazy(() => import('../features/rooms/RoomPage'));
const InvitationsPage = lazy(() => import('../features/invitations/InvitationsPage'));
const ProfilePage = lazy(() => import('../features/profile/ProfilePage'));

const page = (element: ReactNode) => <Suspense fallback={<PageLoading />}>{element}</Suspense>;

export function App({ services }: { services: AppServices }) {
  const [appearance, setAppearance] = useAppearance();
  useEffect(() => {
    // Restore the session from the refresh cookie once, at start.
    void services.session.refresh().catch(() => undefined);
  }, [services]);
  return (
    <Theme
      appearance={appearance}
      accentColor="indigo"
      grayColor="slate"
      radius="large"
      scaling="100%"
    >
      <ServicesProvider services={services}>
        <QueryClientProvider client={services.queryClient}>
          <Toaster>
            <Routes>
              <Route path="/sign-in" element={<SignInPage />} />
              <Route
                element={
                  <RequireAuth>
                    <RealtimeProvider>
                      <AppShell appearance={appearance} onAppearance={setAppearance} />
                    </RealtimeProvider>
                  </RequireAuth>
                }
              >
                <Route index element={<LobbyPage />} />
                <Route path="rooms/:roomId" element={page(<RoomPage />)} />
                <Route path="rooms/:roomId/call" element={page(<CallPage />)} />
                <Route path="invitations" element={page(<InvitationsPage />)} />
                <Route path="profile" element={page(<ProfilePage />)} />
                <Route
                  path="*"
                  element={
                    <EmptyState title="Page not found">
                      There is nothing at this address.
                    </EmptyState>
                  }
                />
              </Route>
            </Routes>
          </Toaster>
        </QueryClientProvider>
      </ServicesProvider>
    </Theme>
  );
}

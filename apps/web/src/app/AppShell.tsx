import {
  Badge,
  Box,
  Button,
  Container,
  DropdownMenu,
  Flex,
  IconButton,
  Text,
} from '@radix-ui/themes';
import { EnvelopeClosedIcon, ExitIcon, MoonIcon, PersonIcon, SunIcon } from '@radix-ui/react-icons';
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router';

import { useServices } from './services';
import type { Appearance } from './theme';
import { useMe } from '../features/auth/use-session';
import { FriendsPanel, useIncomingRequestCount } from '../features/friends/FriendsPanel';
import { useReceivedInvitations } from '../features/invitations/api';
import { ErrorBoundary } from '../ui/ErrorBoundary';
import { Logo } from '../ui/Logo';
import { UserAvatar } from '../ui/UserAvatar';

/** Every signed-in page: the header (rooms, invitations, friends, the user's menu) and the page. */
export function AppShell({
  appearance,
  onAppearance,
}: {
  appearance: Appearance;
  onAppearance: (next: Appearance) => void;
}) {
  const me = useMe();
  const { session, queryClient } = useServices();
  const navigate = useNavigate();
  const location = useLocation();
  const invitations = useReceivedInvitations().data?.length ?? 0;
  const requests = useIncomingRequestCount();

  return (
    <>
      <a className="cascade-skip-link" href="#main">
        Skip to content
      </a>
      <Box
        asChild
        style={{ borderBottom: '1px solid var(--gray-a5)', background: 'var(--color-panel-solid)' }}
      >
        <header>
          <Container size="4" px={{ initial: '3', sm: '5' }}>
            <Flex asChild align="center" justify="between" height="60px" gap="2">
              <nav aria-label="Main">
                <Flex align="center" gap="3">
                  <Link to="/" aria-label="Cascade, all rooms">
                    <Flex align="center" gap="2">
                      <Logo />
                      <Text
                        size="4"
                        weight="bold"
                        style={{ letterSpacing: '-0.02em' }}
                        className="rt-r-display-none xs:rt-r-display-block"
                      >
                        Cascade
                      </Text>
                    </Flex>
                  </Link>
                  <Button asChild variant="ghost" size="2" ml="2">
                    <NavLink to="/" end>
                      Rooms
                    </NavLink>
                  </Button>
                </Flex>
                <Flex align="center" gap={{ initial: '2', sm: '3' }}>
                  <IconButton asChild variant="ghost" size="3" color="gray">
                    <NavLink
                      to="/invitations"
                      aria-label={
                        invitations > 0 ? `Invitations, ${invitations} new` : 'Invitations'
                      }
                    >
                      <EnvelopeClosedIcon width="20" height="20" />
                      {invitations > 0 && <CountDot count={invitations} />}
                    </NavLink>
                  </IconButton>
                  <FriendsPanel
                    trigger={
                      <IconButton
                        variant="ghost"
                        size="3"
                        color="gray"
                        aria-label={requests > 0 ? `Friends, ${requests} requests` : 'Friends'}
                        style={{ position: 'relative' }}
                      >
                        <PersonIcon width="20" height="20" />
                        {requests > 0 && <CountDot count={requests} />}
                      </IconButton>
                    }
                  />
                  <DropdownMenu.Root>
                    <DropdownMenu.Trigger>
                      <IconButton
                        variant="ghost"
                        radius="full"
                        size="3"
                        aria-label={`Account: ${me.displayName}`}
                      >
                        <UserAvatar name={me.displayName} src={me.avatarUrl} size="2" decorative />
                      </IconButton>
                    </DropdownMenu.Trigger>
                    <DropdownMenu.Content align="end">
                      <DropdownMenu.Label>{me.displayName}</DropdownMenu.Label>
                      <DropdownMenu.Item onSelect={() => void navigate('/profile')}>
                        <PersonIcon /> Profile
                      </DropdownMenu.Item>
                      <DropdownMenu.Item
                        onSelect={() => onAppearance(appearance === 'dark' ? 'light' : 'dark')}
                      >
                        {appearance === 'dark' ? <SunIcon /> : <MoonIcon />}
                        {appearance === 'dark' ? 'Light theme' : 'Dark theme'}
                      </DropdownMenu.Item>
                      <DropdownMenu.Separator />
                      <DropdownMenu.Item
                        onSelect={() =>
                          void session.signOut().finally(() => {
                            queryClient.clear();
                            void navigate('/sign-in');
                          })
                        }
                      >
                        <ExitIcon /> Sign out
                      </DropdownMenu.Item>
                    </DropdownMenu.Content>
                  </DropdownMenu.Root>
                </Flex>
              </nav>
            </Flex>
          </Container>
        </header>
      </Box>
      <Container asChild size="4" px={{ initial: '3', sm: '5' }} py={{ initial: '4', sm: '6' }}>
        <main id="main" tabIndex={-1}>
          <ErrorBoundary resetKey={location.pathname}>
            <Outlet />
          </ErrorBoundary>
        </main>
      </Container>
    </>
  );
}

function CountDot({ count }: { count: number }) {
  return (
    <Badge
      color="red"
      variant="solid"
      radius="full"
      size="1"
      aria-hidden="true"
      style={{ position: 'absolute', top: -4, right: -6, minWidth: 18, justifyContent: 'center' }}
    >
      {count > 9 ? '9+' : count}
    </Badge>
  );
}

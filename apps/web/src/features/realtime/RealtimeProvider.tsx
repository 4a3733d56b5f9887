import { type ReactNode, useEffect } from 'react';
import { useNavigate } from 'react-router';

import { useServices } from '../../app/services';
import { useToast } from '../../ui/Toaster';
import { publicProfiles } from '../users/api';
import { notificationEffect } from './notifications';

/**
 * While a user is signed in, the app holds one realtime connection to the gateway (in no room)
 * that brings their notifications: caches are refreshed at once and the important ones show a
 * toast (an invitation with Join, a friend request with View).
 */
export function RealtimeProvider({ children }: { children: ReactNode }) {
  const { session, api, queryClient } = useServices();
  const toast = useToast();
  const navigate = useNavigate();

  useEffect(() => {
    let closed = false;
    let close = () => {
      closed = true;
    };
    // Loaded after the first page is drawn: Socket.IO is not part of the lobby's first load.
    void import('./user-connection').then(({ UserConnection }) => {
      if (closed) return;
      const connection = new UserConnection({
        url: window.location.origin,
        accessToken: async () => {
          const token = await session.accessToken();
          if (token === null) throw new Error('signed out');
          return token;
        },
      });
      connection.on('notification', (event) => {
        const effect = notificationEffect(event);
        for (const queryKey of effect.invalidate) void queryClient.invalidateQueries({ queryKey });
        const note = effect.toast;
        if (!note) return;
        void queryClient
          .fetchQuery(publicProfiles(api, [note.aboutUserId]))
          .then((users) => users.get(note.aboutUserId)?.displayName ?? 'Someone')
          .catch(() => 'Someone')
          .then((name) => {
            if (note.kind === 'invitation') {
              toast({
                title: `${name} invited you to ${note.roomTitle ?? 'a room'}`,
                action: {
                  label: 'Open',
                  altText: 'Open your invitations',
                  onClick: () => void navigate(`/invitations`),
                },
              });
            } else if (note.kind === 'friendRequest') {
              toast({
                title: `${name} sent you a friend request`,
                description: 'Open Friends to answer.',
              });
            } else {
              toast({ title: `${name} accepted your friend request` });
            }
          });
      });
      void connection.connect().catch(() => undefined);
      close = () => connection.close();
    });
    return () => close();
  }, [session, api, queryClient, toast, navigate]);

  return children;
}

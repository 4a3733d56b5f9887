import type { CascadeClient } from '@cascade/client';
import { ChatHistoryPage } from '@cascade/contracts';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import { useApi } from '../../../app/services';
import { useEmitterEvent } from '../../../lib/sdk/use-emitter';
import { ROOMS_BASE } from '../../rooms/api';

export interface ChatLine {
  id: string;
  userId: string;
  displayName: string | null;
  text: string;
  at: number;
}

/**
 * The room's chat: the history (a late joiner sees what was said) and new messages as they
 * come, in order, each once.
 */
export function useChat(client: CascadeClient | null, roomId: string) {
  const api = useApi();
  const history = useQuery({
    queryKey: ['rooms', 'messages', roomId],
    enabled: client !== null,
    staleTime: Infinity,
    // Right after joining, rooms may not have recorded this participant yet (the join reaches it
    // over NATS), and history is for participants: ask again for a few seconds.
    retry: (failures) => failures < 8,
    retryDelay: 500,
    queryFn: ({ signal }) =>
      api.request(ChatHistoryPage, `${ROOMS_BASE}/rooms/${encodeURIComponent(roomId)}/messages`, {
        query: { limit: 50 },
        signal,
      }),
  });
  const [live, setLive] = useState<ChatLine[]>([]);
  useEmitterEvent(client, 'chat', (message) =>
    setLive((lines) => [
      ...lines,
      {
        id: message.messageId,
        userId: message.userId,
        displayName: message.displayName,
        text: message.text,
        at: message.at,
      },
    ]),
  );
  const past: ChatLine[] = (history.data?.messages ?? [])
    .map((m) => ({
      id: m.id,
      userId: m.userId,
      displayName: null,
      text: m.text,
      at: Date.parse(m.sentAt),
    }))
    .reverse();
  const seen = new Set<string>();
  const lines = [...past, ...live].filter((line) => !seen.has(line.id) && seen.add(line.id));
  lines.sort((a, b) => a.at - b.at);
  return { lines, loading: history.isPending && client !== null };
}

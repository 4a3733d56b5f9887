import { Box, Flex, IconButton, ScrollArea, Text, TextArea } from '@radix-ui/themes';
import { PaperPlaneIcon } from '@radix-ui/react-icons';
import { CHAT_MESSAGE_MAX_LENGTH } from '@cascade/contracts';
import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from 'react';

import { describeError } from '../../../lib/api/errors';
import type { ChatLine } from '../hooks/use-chat';
import { linkify } from './linkify';

/** The room's chat: history and live messages; links clickable, everything else plain text. */
export function ChatPanel({
  lines,
  nameOf,
  onSend,
}: {
  lines: ChatLine[];
  nameOf: (line: ChatLine) => string;
  onSend: (text: string) => Promise<unknown>;
}) {
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const end = useRef<HTMLDivElement>(null);
  // (Braces matter: newer browsers answer scrollIntoView with a promise, which React would
  // take for a cleanup function.)
  useEffect(() => {
    end.current?.scrollIntoView({ block: 'end' });
  }, [lines.length]);

  const send = async (event?: FormEvent) => {
    event?.preventDefault();
    const text = draft.trim();
    if (!text) return;
    if (text.length > CHAT_MESSAGE_MAX_LENGTH) {
      setError(`A message can be at most ${CHAT_MESSAGE_MAX_LENGTH} characters.`);
      return;
    }
    setSending(true);
    try {
      await onSend(text);
      setDraft('');
      setError(null);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setSending(false);
    }
  };
  const onKey = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      void send();
    }
  };

  return (
    <Flex direction="column" height="100%" gap="2">
      <ScrollArea type="auto" style={{ flex: 1 }}>
        <Flex asChild direction="column" gap="3" pr="3">
          <ol
            aria-label="Messages"
            aria-live="polite"
            style={{ listStyle: 'none', margin: 0, padding: 0 }}
          >
            {lines.length === 0 && (
              <Text as="p" size="2" color="gray">
                No messages yet.
              </Text>
            )}
            {lines.map((line) => (
              <li key={line.id}>
                <Flex gap="2" align="baseline">
                  <Text size="2" weight="bold">
                    {nameOf(line)}
                  </Text>
                  <Text size="1" color="gray">
                    {new Date(line.at).toLocaleTimeString([], {
                      hour: '2-digit',
                      minute: '2-digit',
                    })}
                  </Text>
                </Flex>
                <Text as="p" size="2" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
                  {linkify(line.text).map((part, i) =>
                    part.kind === 'link' ? (
                      <a
                        key={i}
                        href={part.href}
                        target="_blank"
                        rel="noopener noreferrer nofollow"
                        style={{ color: 'var(--accent-11)', textDecoration: 'underline' }}
                      >
                        {part.text}
                      </a>
                    ) : (
                      <span key={i}>{part.text}</span>
                    ),
                  )}
                </Text>
              </li>
            ))}
          </ol>
        </Flex>
        <div ref={end} />
      </ScrollArea>
      <Box asChild>
        <form onSubmit={(e) => void send(e)}>
          <Flex gap="2" align="end">
            <Box flexGrow="1">
              <TextArea
                aria-label="Message"
                placeholder="Send a message"
                value={draft}
                onChange={(e) => setDraft(e.target.value)}
                onKeyDown={onKey}
                rows={2}
                aria-invalid={error ? true : undefined}
                aria-describedby={error ? 'chat-error' : undefined}
              />
            </Box>
            <IconButton
              type="submit"
              size="3"
              aria-label="Send message"
              loading={sending}
              disabled={!draft.trim()}
            >
              <PaperPlaneIcon />
            </IconButton>
          </Flex>
          {error && (
            <Text id="chat-error" size="1" color="red" role="alert">
              {error}
            </Text>
          )}
        </form>
      </Box>
    </Flex>
  );
}

import {
  Box,
  Button,
  Flex,
  Grid,
  Heading,
  Text,
  TextField,
  VisuallyHidden,
} from '@radix-ui/themes';
import { MagnifyingGlassIcon, PlusIcon } from '@radix-ui/react-icons';
import { useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';

import { EmptyState, ErrorState } from '../../ui/States';
import { useDebounced } from '../../ui/use-debounced';
import { useMe } from '../auth/use-session';
import { usePublicProfiles } from '../users/api';
import { useRoomList } from './api';
import { CreateRoomDialog } from './CreateRoomDialog';
import { LanguageSelect } from './LanguageSelect';
import { hasFilters, lobbySearchParams, parseLobbyFilters } from './lobby-search';
import { RoomCard, RoomCardSkeleton } from './RoomCard';

const ANY_LANGUAGE = 'all';
const SEARCH_DEBOUNCE_MS = 300;

/** The home page: the tenant's public rooms, searchable and filtered, with live counts. */
export function LobbyPage() {
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => {
    const parsed = parseLobbyFilters(params);
    if (parsed.language === ANY_LANGUAGE) delete parsed.language;
    return parsed;
  }, [params]);

  // The profile's language preselects the filter, once, when the address names none.
  useEffect(() => {
    if (me.language && !params.has('language')) {
      setParams(lobbySearchParams(params, { language: me.language }), { replace: true });
    }
  }, [me.language, params, setParams]);

  const [search, setSearch] = useState(filters.q ?? '');
  const [topic, setTopic] = useState(filters.topic ?? '');
  const settledSearch = useDebounced(search, SEARCH_DEBOUNCE_MS);
  const settledTopic = useDebounced(topic, SEARCH_DEBOUNCE_MS);
  useEffect(() => {
    if (
      (settledSearch.trim() || undefined) === filters.q &&
      (settledTopic.trim() || undefined) === filters.topic
    )
      return;
    setParams((current) => lobbySearchParams(current, { q: settledSearch, topic: settledTopic }), {
      replace: true,
    });
    // Only the settled input changes the address; back/forward changes come in through `params`.
  }, [settledSearch, settledTopic]);
  // Back and forward: the inputs follow the address.
  useEffect(() => {
    setSearch(filters.q ?? '');
    setTopic(filters.topic ?? '');
  }, [filters.q, filters.topic]);

  const rooms = useRoomList(filters);
  const list = rooms.data?.pages.flatMap((page) => page.rooms) ?? [];
  const profiles = usePublicProfiles(list.flatMap((room) => room.previewUserIds));

  return (
    <Flex direction="column" gap="5">
      <Flex align="center" justify="between" gap="3" wrap="wrap">
        <Box>
          <Heading as="h1" size="7">
            Rooms
          </Heading>
          <Text color="gray" size="2">
            Join a conversation, or start your own.
          </Text>
        </Box>
        <CreateRoomDialog>
          <Button size="3">
            <PlusIcon /> New room
          </Button>
        </CreateRoomDialog>
      </Flex>

      <Flex asChild gap="3" direction={{ initial: 'column', sm: 'row' }}>
        <form role="search" aria-label="Find rooms" onSubmit={(e) => e.preventDefault()}>
          <Box flexGrow="1">
            <TextField.Root
              size="3"
              type="search"
              placeholder="Search rooms by title"
              aria-label="Search rooms by title"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
            >
              <TextField.Slot>
                <MagnifyingGlassIcon />
              </TextField.Slot>
            </TextField.Root>
          </Box>
          <LanguageSelect
            size="3"
            value={filters.language ?? ANY_LANGUAGE}
            onChange={(language) => setParams(lobbySearchParams(params, { language }))}
            empty={{ value: ANY_LANGUAGE, label: 'All languages' }}
            trigger={{ 'aria-label': 'Language', style: { minWidth: 180 } }}
          />
          <TextField.Root
            size="3"
            placeholder="Topic"
            aria-label="Topic"
            value={topic}
            onChange={(e) => setTopic(e.target.value)}
            maxLength={60}
          />
        </form>
      </Flex>

      <VisuallyHidden aria-live="polite">
        {rooms.isSuccess ? `${list.length} rooms shown` : ''}
      </VisuallyHidden>

      {rooms.isError && !rooms.data && (
        <ErrorState error={rooms.error} onRetry={() => void rooms.refetch()} />
      )}

      {rooms.isPending && (
        <Grid
          columns={{ initial: '1', sm: '2', lg: '3' }}
          gap="4"
          aria-busy="true"
          aria-label="Loading rooms"
        >
          {Array.from({ length: 6 }, (_, i) => (
            <RoomCardSkeleton key={i} />
          ))}
        </Grid>
      )}

      {rooms.isSuccess && list.length === 0 && (
        <EmptyState
          title={hasFilters(filters) ? 'No rooms match' : 'No rooms yet'}
          action={
            hasFilters(filters) ? (
              <Button
                variant="soft"
                onClick={() => setParams(new URLSearchParams({ language: ANY_LANGUAGE }))}
              >
                Clear search and filters
              </Button>
            ) : (
              <CreateRoomDialog>
                <Button>
                  <PlusIcon /> Create the first room
                </Button>
              </CreateRoomDialog>
            )
          }
        >
          {hasFilters(filters)
            ? 'Try another title, language or topic.'
            : 'Rooms that people open appear here, with who is inside.'}
        </EmptyState>
      )}

      {list.length > 0 && (
        <Grid asChild columns={{ initial: '1', sm: '2', lg: '3' }} gap="4">
          <ul aria-label="Rooms" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
            {list.map((room) => (
              <li key={room.id}>
                <RoomCard room={room} profiles={profiles.data} />
              </li>
            ))}
          </ul>
        </Grid>
      )}

      {rooms.hasNextPage && (
        <Flex justify="center">
          <Button
            variant="soft"
            size="3"
            loading={rooms.isFetchingNextPage}
            onClick={() => void rooms.fetchNextPage()}
          >
            Show more rooms
          </Button>
        </Flex>
      )}
    </Flex>
  );
}

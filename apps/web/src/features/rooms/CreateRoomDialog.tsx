import { CreateRoomRequest, DEFAULT_ROOM_CAPACITY } from '@cascade/contracts';
import { Button, Callout, Dialog, Flex, RadioCards, Text } from '@radix-ui/themes';
import { type FormEvent, type ReactNode, useState } from 'react';
import { useNavigate } from 'react-router';

import { describeError, fieldErrorsOf, zodFieldErrors } from '../../lib/api/errors';
import { FieldError } from '../../ui/FieldError';
import { TextFormField } from '../../ui/TextFormField';
import { useMe } from '../auth/use-session';
import { useCreateRoom } from './api';
import { LanguageSelect } from './LanguageSelect';
import { defaultLanguage } from './languages';

/**
 * "New room": title, topic, language, capacity, public or private. The shared schema checks the
 * form before it is sent; the server's field errors (a capacity over the tenant's maximum, say)
 * show beside their inputs. On success the user goes to the room.
 */
export function CreateRoomDialog({ children }: { children: ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <Dialog.Root open={open} onOpenChange={setOpen}>
      <Dialog.Trigger>{children}</Dialog.Trigger>
      <Dialog.Content maxWidth="480px" aria-describedby="create-room-description">
        <Dialog.Title>New room</Dialog.Title>
        <Dialog.Description id="create-room-description" size="2" color="gray" mb="4">
          People in your organisation can find public rooms in the lobby.
        </Dialog.Description>
        {open && <CreateRoomForm onCancel={() => setOpen(false)} />}
      </Dialog.Content>
    </Dialog.Root>
  );
}

function CreateRoomForm({ onCancel }: { onCancel: () => void }) {
  const me = useMe();
  const navigate = useNavigate();
  const create = useCreateRoom();
  const [language, setLanguage] = useState(() => defaultLanguage(me.language));
  const [visibility, setVisibility] = useState<'public' | 'private'>('public');
  const [errors, setErrors] = useState<Record<string, string>>({});

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const topic = String(form.get('topic') ?? '').trim();
    const capacityText = String(form.get('capacity') ?? '').trim();
    const input = {
      title: String(form.get('title') ?? ''),
      ...(topic ? { topic } : {}),
      language,
      capacity: capacityText === '' ? DEFAULT_ROOM_CAPACITY : Number(capacityText),
      visibility,
    };
    const parsed = CreateRoomRequest.safeParse(input);
    if (!parsed.success) {
      setErrors(zodFieldErrors(parsed.error));
      return;
    }
    setErrors({});
    create.mutate(parsed.data, {
      onSuccess: (room) => void navigate(`/rooms/${room.id}`),
      onError: (error) => setErrors(fieldErrorsOf(error)),
    });
  };

  const generalError =
    create.isError && Object.keys(fieldErrorsOf(create.error)).length === 0 ? create.error : null;
  const field = (name: string) => ({
    'aria-invalid': errors[name] ? true : undefined,
    'aria-describedby': errors[name] ? `room-${name}-error` : undefined,
  });

  return (
    <form onSubmit={submit} noValidate>
      <Flex direction="column" gap="4">
        <TextFormField
          id="room-title"
          name="title"
          label="Title"
          maxLength={120}
          required
          autoFocus
          error={errors['title']}
        />
        <TextFormField
          id="room-topic"
          name="topic"
          label="Topic (optional)"
          maxLength={60}
          placeholder="e.g. Book club"
          error={errors['topic']}
        />
        <Flex gap="3" direction={{ initial: 'column', xs: 'row' }}>
          <Flex direction="column" gap="1" flexGrow="1">
            <Text as="label" size="2" weight="medium" id="room-language-label">
              Language
            </Text>
            <LanguageSelect
              value={language}
              onChange={setLanguage}
              trigger={{ 'aria-labelledby': 'room-language-label', ...field('language') }}
            />
            <FieldError id="room-language-error" message={errors['language']} />
          </Flex>
          <Flex width={{ initial: '100%', xs: '140px' }}>
            <TextFormField
              id="room-capacity"
              name="capacity"
              label="Capacity"
              type="number"
              inputMode="numeric"
              min={2}
              defaultValue={DEFAULT_ROOM_CAPACITY}
              error={errors['capacity']}
            />
          </Flex>
        </Flex>
        <Flex direction="column" gap="1">
          <Text as="div" size="2" weight="medium" id="room-visibility-label">
            Who can join
          </Text>
          <RadioCards.Root
            value={visibility}
            onValueChange={(v) => setVisibility(v === 'private' ? 'private' : 'public')}
            columns={{ initial: '1', xs: '2' }}
            aria-labelledby="room-visibility-label"
          >
            <RadioCards.Item value="public">
              <Flex direction="column">
                <Text weight="bold">Public</Text>
                <Text size="1" color="gray">
                  Listed in the lobby
                </Text>
              </Flex>
            </RadioCards.Item>
            <RadioCards.Item value="private">
              <Flex direction="column">
                <Text weight="bold">Private</Text>
                <Text size="1" color="gray">
                  Only people you invite
                </Text>
              </Flex>
            </RadioCards.Item>
          </RadioCards.Root>
        </Flex>
        {generalError !== null && (
          <Callout.Root color="red" role="alert" size="1">
            <Callout.Text>{describeError(generalError)}</Callout.Text>
          </Callout.Root>
        )}
        <Flex gap="3" justify="end">
          <Button type="button" variant="soft" color="gray" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={create.isPending}>
            Create room
          </Button>
        </Flex>
      </Flex>
    </form>
  );
}

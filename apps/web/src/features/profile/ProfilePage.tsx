import { UpdateProfileRequest } from '@cascade/contracts';
import { Button, Card, Flex, Heading, RadioGroup, Text } from '@radix-ui/themes';
import { type FormEvent, useState } from 'react';

import { fieldErrorsOf, zodFieldErrors } from '../../lib/api/errors';
import { FieldError } from '../../ui/FieldError';
import { TextFormField } from '../../ui/TextFormField';
import { useToast } from '../../ui/Toaster';
import { UserAvatar } from '../../ui/UserAvatar';
import { useMe } from '../auth/use-session';
import { LanguageSelect } from '../rooms/LanguageSelect';
import { useUpdateProfile } from './api';

const NO_LANGUAGE = 'none';

/** My name, picture and preferred language. */
export default function ProfilePage() {
  const me = useMe();
  const update = useUpdateProfile();
  const toast = useToast();
  const [avatarSource, setAvatarSource] = useState(me.avatarSource);
  const [language, setLanguage] = useState(me.language ?? NO_LANGUAGE);
  const [errors, setErrors] = useState<Record<string, string>>({});

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const change = {
      displayName: String(form.get('displayName') ?? ''),
      avatarSource,
      language: language === NO_LANGUAGE ? null : language,
    };
    const parsed = UpdateProfileRequest.safeParse(change);
    if (!parsed.success) {
      setErrors(zodFieldErrors(parsed.error));
      return;
    }
    setErrors({});
    update.mutate(parsed.data, {
      onSuccess: () => toast({ title: 'Profile saved' }),
      onError: (error) => {
        setErrors(fieldErrorsOf(error));
        toast({ title: 'Could not save your profile', tone: 'error' });
      },
    });
  };

  return (
    <Flex direction="column" gap="4" maxWidth="560px">
      <Heading as="h1" size="7">
        Profile
      </Heading>
      <Card size="3">
        <form onSubmit={submit} noValidate>
          <Flex direction="column" gap="4">
            <Flex align="center" gap="4">
              <UserAvatar name={me.displayName} src={me.avatarUrl} size="6" />
              <Flex direction="column">
                <Text weight="bold">{me.displayName}</Text>
                {me.email && (
                  <Text size="2" color="gray">
                    {me.email}
                  </Text>
                )}
              </Flex>
            </Flex>
            <TextFormField
              id="profile-name"
              name="displayName"
              label="Display name"
              defaultValue={me.displayName}
              maxLength={100}
              autoComplete="name"
              error={errors['displayName']}
            />
            <Flex direction="column" gap="2">
              <Text as="div" size="2" weight="medium" id="profile-avatar-label">
                Picture
              </Text>
              <RadioGroup.Root
                value={avatarSource}
                onValueChange={(v) => setAvatarSource(v === 'google' ? 'google' : 'generated')}
                aria-labelledby="profile-avatar-label"
              >
                <RadioGroup.Item value="google" disabled={!me.hasGooglePicture}>
                  Google picture{me.hasGooglePicture ? '' : ' (sign in with Google to use it)'}
                </RadioGroup.Item>
                <RadioGroup.Item value="generated">Initials</RadioGroup.Item>
              </RadioGroup.Root>
            </Flex>
            <Flex direction="column" gap="1">
              <Text as="div" size="2" weight="medium" id="profile-language-label">
                Preferred language
              </Text>
              <LanguageSelect
                value={language}
                onChange={setLanguage}
                empty={{ value: NO_LANGUAGE, label: 'No preference' }}
                trigger={{ 'aria-labelledby': 'profile-language-label' }}
              />
              <Text size="1" color="gray">
                Preselects the lobby's language filter and the language of rooms you create.
              </Text>
              <FieldError id="profile-language-error" message={errors['language']} />
            </Flex>
            <Flex justify="end">
              <Button type="submit" loading={update.isPending}>
                Save
              </Button>
            </Flex>
          </Flex>
        </form>
      </Card>
    </Flex>
  );
}

import { Button } from '@radix-ui/themes';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { fakeServices, json, renderPage } from '../../test/render';
import { CreateRoomDialog } from './CreateRoomDialog';

const room = {
  id: 'r_1',
  tenantId: 't_dev',
  ownerId: 'u_alice',
  title: 'Book club',
  topic: null,
  language: 'en',
  capacity: 50,
  viewerCapacity: 100,
  visibility: 'public',
  status: 'active',
  participantCount: 0,
  previewUserIds: [],
  myRole: 'owner',
  createdAt: '2026-01-01T00:00:00.000Z',
  lastActiveAt: '2026-01-01T00:00:00.000Z',
};

function setUp(answer: () => Response) {
  const posted: unknown[] = [];
  const { services } = fakeServices((url, init) => {
    if (url.pathname === '/api/rooms/rooms' && init?.method === 'POST') {
      posted.push(JSON.parse(String(init.body)));
      return answer();
    }
    return json(404, { code: 'NOT_FOUND', message: 'nothing here' });
  });
  renderPage(
    <CreateRoomDialog>
      <Button>New room</Button>
    </CreateRoomDialog>,
    services,
  );
  return { posted, user: userEvent.setup() };
}

describe('Create room dialog', () => {
  it('shows field errors from the shared schema and sends nothing', async () => {
    const { posted, user } = setUp(() => json(201, room));
    await user.click(screen.getByRole('button', { name: 'New room' }));
    const capacity = screen.getByLabelText('Capacity');
    await user.clear(capacity);
    await user.type(capacity, '1');
    await user.click(screen.getByRole('button', { name: 'Create room' }));

    await waitFor(() =>
      expect(screen.getByLabelText('Title')).toHaveAttribute('aria-invalid', 'true'),
    );
    expect(screen.getByLabelText('Title')).toHaveAccessibleDescription(/too small/i);
    expect(capacity).toHaveAccessibleDescription(/>=2/);
    expect(capacity).toHaveAttribute('aria-invalid', 'true');
    expect(posted).toEqual([]);
  });

  it("shows the server's field error beside its input", async () => {
    const { posted, user } = setUp(() =>
      json(400, {
        code: 'INVALID_ARGUMENT',
        message: 'invalid room',
        details: {
          issues: [{ path: 'capacity', message: "must be at most the tenant's maximum of 100" }],
        },
      }),
    );
    await user.click(screen.getByRole('button', { name: 'New room' }));
    await user.type(screen.getByLabelText('Title'), 'Huge room');
    const capacity = screen.getByLabelText('Capacity');
    await user.clear(capacity);
    await user.type(capacity, '500');
    await user.click(screen.getByRole('button', { name: 'Create room' }));

    expect(
      await screen.findByText("must be at most the tenant's maximum of 100"),
    ).toBeInTheDocument();
    expect(capacity).toHaveAttribute('aria-invalid', 'true');
    expect(posted).toEqual([
      { title: 'Huge room', language: 'en', capacity: 500, visibility: 'public' },
    ]);
  });

  it('creates the room and goes to its page', async () => {
    const { posted, user } = setUp(() => json(201, room));
    await user.click(screen.getByRole('button', { name: 'New room' }));
    await user.type(screen.getByLabelText('Title'), 'Book club');
    await user.type(screen.getByLabelText('Topic (optional)'), 'Reading');
    await user.click(screen.getByRole('radio', { name: /Private/ }));
    await user.click(screen.getByRole('button', { name: 'Create room' }));

    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent('/rooms/r_1'));
    expect(posted).toEqual([
      { title: 'Book club', topic: 'Reading', language: 'en', capacity: 50, visibility: 'private' },
    ]);
  });
});

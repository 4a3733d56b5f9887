import { type Client, uid, useRoomsApp } from './support/harness';

describe('webinar capacity: speakers and viewers are counted apart', () => {
  const rooms = useRoomsApp();
  let tenant: string;
  let owner: Client;

  beforeEach(() => {
    tenant = uid('tenant');
    owner = rooms().client(tenant, uid('owner'));
  });

  const authorize = (roomId: string, participantRole?: 'speaker' | 'viewer') =>
    rooms().request(rooms().subjects.roomsAuthorizeJoin(), {
      tenantId: tenant,
      roomId,
      userId: uid('u'),
      participantId: uid('p'),
      ...(participantRole ? { participantRole } : {}),
    });

  it('creates a room with a viewer capacity, and a default one without', async () => {
    const webinar = await owner.createRoom({ capacity: 2, viewerCapacity: 5_000 });
    expect(webinar).toMatchObject({ capacity: 2, viewerCapacity: 5_000 });
    expect((await owner.get(`/rooms/${webinar.id}`)).body.viewerCapacity).toBe(5_000);
    expect(await owner.createRoom()).toMatchObject({ capacity: 50, viewerCapacity: 100 });

    const changed = await owner.patch(`/rooms/${webinar.id}`, { viewerCapacity: 3 });
    expect(changed.status).toBe(200);
    expect(changed.body.viewerCapacity).toBe(3);
  });

  it('refuses a viewer capacity above the deployment ceiling or below zero, with its field', async () => {
    const tooMany = await owner.post('/rooms', {
      title: 'big',
      language: 'en',
      viewerCapacity: 10_000_000,
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { limit: 'ROOMS_MAX_VIEWER_CAPACITY', issues: [{ path: 'viewerCapacity' }] },
    });
    const negative = await owner.post('/rooms', {
      title: 'neg',
      language: 'en',
      viewerCapacity: -1,
    });
    expect(negative.status).toBe(400);
    expect(negative.body.details.issues[0].path).toBe('viewerCapacity');
  });

  it('lets viewers in while the speakers are full, and speakers in while the viewers are full', async () => {
    const room = await owner.createRoom({ capacity: 2, viewerCapacity: 3 });
    expect((await authorize(room.id, 'speaker')).data).toMatchObject({
      participantRole: 'speaker',
      occupied: 1,
    });
    // A gateway older than webinars names no role: a speaker.
    expect((await authorize(room.id)).data).toMatchObject({
      participantRole: 'speaker',
      occupied: 2,
    });
    expect((await authorize(room.id, 'speaker')).error).toMatchObject({
      code: 'ROOM_FULL',
      details: { participantRole: 'speaker', capacity: 2 },
    });

    for (let n = 1; n <= 3; n++) {
      expect((await authorize(room.id, 'viewer')).data).toMatchObject({
        participantRole: 'viewer',
        capacity: 2,
        viewerCapacity: 3,
        occupied: n,
      });
    }
    expect((await authorize(room.id, 'viewer')).error).toMatchObject({
      code: 'ROOM_FULL',
      details: { participantRole: 'viewer', capacity: 3 },
    });
  });

  it('admits no viewer to a room whose viewer capacity is zero', async () => {
    const room = await owner.createRoom({ viewerCapacity: 0 });
    expect((await authorize(room.id, 'viewer')).error).toMatchObject({
      code: 'ROOM_FULL',
      details: { participantRole: 'viewer', capacity: 0 },
    });
    expect((await authorize(room.id, 'speaker')).ok).toBe(true);
  });
});

import { OrchestratorRequest, ParticipantPlacement } from './index';

const join = {
  op: 'participant.join',
  tenantId: 'acme',
  roomId: 'webinar',
  participantId: 'p_1',
} as const;

describe('the orchestrator join request', () => {
  it('is a speaker when the sender says no role (senders from before roles)', () => {
    // No role is left as none: whoever reads the request takes it for a speaker.
    expect(OrchestratorRequest.parse(join)).toEqual(join);
  });

  it('carries a viewer', () => {
    expect(OrchestratorRequest.parse({ ...join, role: 'viewer' })).toEqual({
      ...join,
      role: 'viewer',
    });
  });

  it('refuses a role it does not know', () => {
    expect(OrchestratorRequest.safeParse({ ...join, role: 'host' }).success).toBe(false);
  });
});

describe('a stored placement', () => {
  const placement = { participantId: 'p_1', nodeId: 'sfu-a', workerIndex: 0, joinedAt: 1 };

  it('reads without a role (stored before roles: a speaker) and with one', () => {
    expect(ParticipantPlacement.parse(placement)).toEqual(placement);
    expect(ParticipantPlacement.parse({ ...placement, role: 'viewer' }).role).toBe('viewer');
  });
});

import { type InvitationUserEvent, createSubjects } from '@cascade/contracts';
import { NatsBus } from '@cascade/server-kit';

/** Tells a user about an invitation through the gateways (`user-events.<tenant>.<user>`). */
export interface InvitationNotifier {
  notify(event: InvitationUserEvent): void;
}

export class NatsInvitationNotifier implements InvitationNotifier {
  constructor(
    private readonly bus: NatsBus,
    private readonly subjectPrefix: string,
  ) {}

  notify(event: InvitationUserEvent): void {
    this.bus.publish(
      createSubjects(this.subjectPrefix).userEvents(event.tenantId, event.userId),
      event,
    );
  }
}

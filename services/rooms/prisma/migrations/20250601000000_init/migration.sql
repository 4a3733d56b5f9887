-- CreateEnum
CREATE TYPE "RoomVisibility" AS ENUM ('public', 'private');

-- CreateEnum
CREATE TYPE "RoomStatus" AS ENUM ('active', 'closed');

-- CreateEnum
CREATE TYPE "RoomRole" AS ENUM ('owner', 'moderator', 'member');

-- CreateEnum
CREATE TYPE "ParticipantState" AS ENUM ('reserved', 'present', 'left');

-- CreateEnum
CREATE TYPE "InvitationStatus" AS ENUM ('pending', 'accepted', 'declined', 'revoked');

-- CreateTable
CREATE TABLE "rooms" (
    "tenant_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "owner_id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "topic" TEXT,
    "language" TEXT NOT NULL,
    "capacity" INTEGER NOT NULL,
    "visibility" "RoomVisibility" NOT NULL,
    "status" "RoomStatus" NOT NULL DEFAULT 'active',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_active_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closed_at" TIMESTAMPTZ(3),

    CONSTRAINT "rooms_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "room_members" (
    "tenant_id" TEXT NOT NULL,
    "room_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "role" "RoomRole" NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "room_members_pkey" PRIMARY KEY ("tenant_id","room_id","user_id")
);

-- CreateTable
CREATE TABLE "room_bans" (
    "tenant_id" TEXT NOT NULL,
    "room_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "banned_by" TEXT NOT NULL,
    "reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "room_bans_pkey" PRIMARY KEY ("tenant_id","room_id","user_id")
);

-- CreateTable
CREATE TABLE "room_participants" (
    "tenant_id" TEXT NOT NULL,
    "room_id" TEXT NOT NULL,
    "participant_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "state" "ParticipantState" NOT NULL,
    "held_until" TIMESTAMPTZ(3),
    "joined_at" TIMESTAMPTZ(3),
    "left_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "room_participants_pkey" PRIMARY KEY ("tenant_id","room_id","participant_id")
);

-- CreateTable
CREATE TABLE "invitations" (
    "tenant_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "room_id" TEXT NOT NULL,
    "inviter_id" TEXT NOT NULL,
    "invitee_id" TEXT NOT NULL,
    "status" "InvitationStatus" NOT NULL DEFAULT 'pending',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "responded_at" TIMESTAMPTZ(3),

    CONSTRAINT "invitations_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "chat_messages" (
    "tenant_id" TEXT NOT NULL,
    "room_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "participant_id" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "sent_at" TIMESTAMPTZ(3) NOT NULL,
    "stored_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "chat_messages_pkey" PRIMARY KEY ("tenant_id","room_id","id")
);

-- CreateIndex
CREATE INDEX "rooms_tenant_id_status_created_at_id_idx" ON "rooms"("tenant_id", "status", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "room_members_tenant_id_user_id_idx" ON "room_members"("tenant_id", "user_id");

-- CreateIndex
CREATE INDEX "room_participants_tenant_id_room_id_state_idx" ON "room_participants"("tenant_id", "room_id", "state");

-- CreateIndex
CREATE INDEX "room_participants_tenant_id_user_id_state_idx" ON "room_participants"("tenant_id", "user_id", "state");

-- CreateIndex
CREATE INDEX "invitations_tenant_id_invitee_id_status_idx" ON "invitations"("tenant_id", "invitee_id", "status");

-- CreateIndex
CREATE INDEX "invitations_tenant_id_inviter_id_status_idx" ON "invitations"("tenant_id", "inviter_id", "status");

-- CreateIndex
CREATE INDEX "invitations_tenant_id_room_id_invitee_id_idx" ON "invitations"("tenant_id", "room_id", "invitee_id");

-- CreateIndex
CREATE INDEX "chat_messages_tenant_id_room_id_sent_at_id_idx" ON "chat_messages"("tenant_id", "room_id", "sent_at" DESC, "id" DESC);

-- AddForeignKey
ALTER TABLE "room_members" ADD CONSTRAINT "room_members_tenant_id_room_id_fkey" FOREIGN KEY ("tenant_id", "room_id") REFERENCES "rooms"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "room_bans" ADD CONSTRAINT "room_bans_tenant_id_room_id_fkey" FOREIGN KEY ("tenant_id", "room_id") REFERENCES "rooms"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "room_participants" ADD CONSTRAINT "room_participants_tenant_id_room_id_fkey" FOREIGN KEY ("tenant_id", "room_id") REFERENCES "rooms"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_tenant_id_room_id_fkey" FOREIGN KEY ("tenant_id", "room_id") REFERENCES "rooms"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "chat_messages" ADD CONSTRAINT "chat_messages_tenant_id_room_id_fkey" FOREIGN KEY ("tenant_id", "room_id") REFERENCES "rooms"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

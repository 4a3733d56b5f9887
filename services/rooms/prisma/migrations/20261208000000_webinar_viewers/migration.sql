-- Webinar viewers: participants whose join token grants subscribe without publish take a place
-- of the room's `viewer_capacity`, counted apart from its `capacity` (the speakers).
ALTER TABLE "rooms" ADD COLUMN "viewer_capacity" INTEGER NOT NULL DEFAULT 100;
ALTER TABLE "room_participants" ADD COLUMN "viewer" BOOLEAN NOT NULL DEFAULT false;

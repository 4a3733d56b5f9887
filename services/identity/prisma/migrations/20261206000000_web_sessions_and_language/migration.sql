-- AlterTable: a user's preferred language (BCP 47), null until they choose one.
ALTER TABLE "users" ADD COLUMN "language" TEXT;

-- AlterTable: how the sign-in that started with this state delivers its session ('body' or
-- 'cookie'); states created before this migration delivered in the body.
ALTER TABLE "oauth_states" ADD COLUMN "delivery" TEXT NOT NULL DEFAULT 'body';

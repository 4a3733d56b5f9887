-- The successor of a used refresh token, sealed (AES-256-GCM) with a key derived from the used
-- token: a second use within the reuse grace (two tabs) gets the same new token.
ALTER TABLE "refresh_tokens" ADD COLUMN "successor_sealed" TEXT;

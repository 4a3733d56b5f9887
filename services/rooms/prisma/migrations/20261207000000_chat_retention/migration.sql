-- The chat retention sweep deletes each tenant's oldest messages in batches.
CREATE INDEX "chat_messages_tenant_id_sent_at_idx" ON "chat_messages"("tenant_id", "sent_at");

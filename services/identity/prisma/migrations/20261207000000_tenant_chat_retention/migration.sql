-- Days a tenant's chat messages are kept; NULL: the rooms service's default.
ALTER TABLE "tenants" ADD COLUMN "chat_retention_days" INTEGER;

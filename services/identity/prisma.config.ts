import { defineConfig } from 'prisma/config';

// Used by the Prisma CLI only (`prisma generate`; `prisma migrate deploy` where its engine can
// run). The service applies prisma/migrations itself at start and through `npm run migrate`.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env['DATABASE_URL'] ?? 'postgresql://localhost:5432/identity' },
});

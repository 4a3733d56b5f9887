import { defineConfig } from 'prisma/config';

// The Prisma CLI's view of the rooms database. The service itself applies the migrations at
// start (and `npm run migrate` does the same) without Prisma's schema engine; `prisma migrate
// deploy` keeps working wherever that engine can run, against the same bookkeeping.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: {
    url: process.env['DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/cascade_dev_rooms',
  },
});

import { join } from 'node:path';

/** `prisma/migrations` of this service, from `src/` (tests) or `dist/` (production). */
export const MIGRATIONS_DIR = join(__dirname, '..', '..', 'prisma', 'migrations');

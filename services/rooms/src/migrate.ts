import { runMigrateCommand } from '@cascade/server-kit';

import { MIGRATIONS_DIR } from './database/migrations-dir';

void runMigrateCommand('rooms', MIGRATIONS_DIR);

import { runMigrateCommand } from '@cascade/server-kit';

import { MIGRATIONS_DIR } from './database/database.module';

void runMigrateCommand('identity', MIGRATIONS_DIR);

#!/usr/bin/env node
import { main } from './admin-cli';

void main(
  process.argv.slice(2),
  process.env,
  (s) => process.stdout.write(s),
  (s) => process.stderr.write(s),
).then((code) => (process.exitCode = code));

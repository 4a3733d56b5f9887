import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Every Lua script in the services' and packages' sources, found by reading them: on Redis
 * Cluster a script runs on the shard of the keys it is given in KEYS, and may touch only those
 * (a key built from ARGV, or by concatenation, may be on another shard). So every command a
 * script runs names a key from KEYS, as it is. The scripts' files are the ones whose keys the
 * cluster-slots unit tests check share one hash slot, and that the Redis Cluster integration
 * tests run on a real cluster: a new file of scripts must join them.
 */
const REPO = join(__dirname, '../../..');

/** Files with Lua scripts, and the unit test that checks the slots of the keys they are given. */
const CHECKED: Record<string, string> = {
  'services/gateway/src/sessions/session-store.ts':
    'services/gateway/src/sessions/cluster-slots.test.ts',
  'services/gateway/src/sessions/room-media.ts':
    'services/gateway/src/sessions/cluster-slots.test.ts',
  'services/gateway/src/user-connections/user-connection-slots.ts':
    'services/gateway/src/sessions/cluster-slots.test.ts',
  'services/gateway/src/view/view-store.ts': 'services/gateway/src/sessions/cluster-slots.test.ts',
  'services/gateway/src/auth/revocation-list.ts':
    'services/gateway/src/sessions/cluster-slots.test.ts',
  'services/gateway/src/chat/chat-ledger.ts': 'services/gateway/src/sessions/cluster-slots.test.ts',
  'services/sfu-orchestrator/src/rooms/room-store.ts':
    'services/sfu-orchestrator/src/rooms/cluster-slots.test.ts',
  'services/sfu-orchestrator/src/rooms/room-leases.ts':
    'services/sfu-orchestrator/src/rooms/cluster-slots.test.ts',
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The string and template literals of a source file that hold Lua (`redis.call`). */
function scripts(source: string): string[] {
  return [...source.matchAll(/`([^`]*)`|'((?:[^'\\\n]|\\.)*)'/g)]
    .map((m) => m[1] ?? m[2] ?? '')
    .filter((literal) => literal.includes('redis.call('));
}

/** The first argument (the key) of every `redis.call`/`redis.pcall` of a script. */
function keyArguments(script: string): string[] {
  return [...script.matchAll(/redis\.p?call\(\s*['"][A-Za-z]+['"]\s*,\s*([^,)]+)/g)].map((m) =>
    m[1]!.trim(),
  );
}

const found = ['services', 'packages']
  .flatMap((top) =>
    readdirSync(join(REPO, top)).map((workspace) => join(REPO, top, workspace, 'src')),
  )
  .flatMap((src) => {
    try {
      return sources(src);
    } catch {
      return []; // a workspace without src/
    }
  })
  .map((path) => ({ file: relative(REPO, path), scripts: scripts(readFileSync(path, 'utf8')) }))
  .filter((f) => f.scripts.length > 0);

describe('the Lua scripts on Redis Cluster', () => {
  it('finds the scripts of the gateway and the orchestrator', () => {
    expect(found.map((f) => f.file).sort()).toEqual(Object.keys(CHECKED).sort());
    expect(found.flatMap((f) => f.scripts).length).toBeGreaterThanOrEqual(15);
  });

  it('has every command of every script name a key from KEYS, as it is', () => {
    const offending = found.flatMap(({ file, scripts }) =>
      scripts.flatMap((script) =>
        keyArguments(script)
          .filter((key) => !/^KEYS\[\d+\]$/.test(key))
          .map((key) => `${file}: ${key}`),
      ),
    );
    expect(offending).toEqual([]);
  });

  it('reads KEYS through a literal index only (no loop over ARGV-built names)', () => {
    const offending = found.flatMap(({ file, scripts }) =>
      scripts.filter((s) => /KEYS\[[^\d\]]/.test(s)).map(() => file),
    );
    expect(offending).toEqual([]);
  });

  it.each(Object.entries(CHECKED))('%s has its keys’ slots checked by %s', (file, test) => {
    const name = file.split('/').pop()!.replace(/\.ts$/, '');
    expect(readFileSync(join(REPO, test), 'utf8')).toContain(`/${name}'`);
  });

  it('recognizes a key built from ARGV, or by concatenation, as not from KEYS', () => {
    expect(
      keyArguments("redis.call('GET', KEYS[1]) redis.call('SET', 'gw:' .. ARGV[1], 1)"),
    ).toEqual(['KEYS[1]', "'gw:' .. ARGV[1]"]);
    expect(keyArguments("redis.call('DEL', KEYS[2] .. ':x')")).toEqual(["KEYS[2] .. ':x'"]);
  });
});

/**
 * The package as a user gets it: `npm ci` accepts the committed lock, and `npm pack` ships the built
 * code, the licence and source maps that carry their own sources (dist/ is built by `npm test` first).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface PackedFile {
  readonly path: string;
}

async function packedFiles(): Promise<string[]> {
  const { stdout } = await run(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT });
  const [pack] = JSON.parse(stdout) as { files: PackedFile[] }[];
  assert.ok(pack !== undefined, 'npm pack printed no package');
  return pack.files.map((f) => f.path);
}

describe('package', () => {
  test('npm ci accepts the committed package-lock.json (lock and package.json agree)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rserpool-lock-'));
    try {
      await copyFile(join(ROOT, 'package.json'), join(dir, 'package.json'));
      await copyFile(join(ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
      await run(npm, ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a prepack script builds, so npm pack on a clean clone ships dist/', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
      license: string;
    };
    assert.equal(pkg.scripts.prepack, 'npm run build');
    const licence = await readFile(join(ROOT, 'LICENSE'), 'utf8');
    assert.match(licence, new RegExp(`^${pkg.license} License`));
  });

  test('npm pack ships the built entry points (root, wire, testing), the CLI and the licence, and nothing of test/ or src/', async () => {
    const files = await packedFiles();
    for (const f of [
      'LICENSE',
      'package.json',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/wire/index.js',
      'dist/src/testing/index.js',
      'dist/src/testing/index.d.ts',
      'dist/src/cli/main.js',
    ])
      assert.ok(files.includes(f), `${f} is not in the package (did npm run build run?)`);
    const stray = files.filter(
      (f) => !f.startsWith('dist/src/') && !/^[A-Z]+\.md$|^LICENSE$|^package\.json$/.test(f),
    );
    assert.deepEqual(stray, []);
  });

  test('every shipped source map carries the sources it points at', async () => {
    const maps = (await packedFiles()).filter((f) => f.endsWith('.map'));
    assert.ok(maps.length > 0);
    for (const m of maps) {
      const map = JSON.parse(await readFile(join(ROOT, m), 'utf8')) as {
        sources: string[];
        sourcesContent?: (string | null)[];
      };
      const content = map.sourcesContent ?? [];
      assert.equal(content.length, map.sources.length, `${m} lacks sourcesContent`);
      assert.ok(
        content.every((c) => typeof c === 'string' && c.length > 0),
        `${m} has an empty source`,
      );
    }
  });
});

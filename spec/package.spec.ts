// The package as the registry gets it (`npm pack --dry-run`): the fields its page is built
// from, and every relative link in a shipped Markdown file leads to a file that is shipped,
// so that no page of the installed package points at something left behind.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers.js';

interface Packed {
  files: { path: string }[];
}

let shipped: Set<string>;
beforeAll(() => {
  const res = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(res.status).toBe(0);
  const packed = JSON.parse(res.stdout) as Packed[];
  shipped = new Set(packed[0]!.files.map((f) => f.path));
}, 60_000);

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;

/** The link targets of a Markdown text, outside fenced code: inline links and images, reference definitions, HTML src/href. */
function linkTargets(markdown: string): string[] {
  const text = markdown.replace(/^```[\s\S]*?^```/gm, '');
  const out: string[] = [];
  for (const m of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push(m[1]!);
  for (const m of text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)) out.push(m[1]!);
  for (const m of text.matchAll(/\b(?:src|href)="([^"]+)"/g)) out.push(m[1]!);
  return out;
}

const isAbsolute = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target);

test('the link finder finds inline links, images, references and HTML, and skips code', () => {
  const md = '[a](docs/a.md#x) ![b](img/b.svg "t") <img src="c.png">\n[ref]: ./d.md\n```\n[no](e.md)\n```\n[web](https://x.org/y)';
  expect(linkTargets(md)).toEqual(['docs/a.md#x', 'img/b.svg', 'https://x.org/y', './d.md', 'c.png']);
});

test('package.json has what the registry page shows: repository, homepage, bugs, keywords', () => {
  expect(pkg.repository).toEqual({ type: 'git', url: 'git+https://github.com/parafor/parafor.git' });
  expect(pkg.homepage).toBe('https://github.com/parafor/parafor#readme');
  expect(pkg.bugs).toEqual({ url: 'https://github.com/parafor/parafor/issues' });
  expect(pkg.keywords).toEqual(expect.arrayContaining(['parallel', 'openmp', 'worker-threads', 'sharedarraybuffer']));
});

test('the README, the docs and the changelog are shipped', () => {
  for (const file of ['README.md', 'CHANGELOG.md', 'docs/guide.md', 'docs/errors.md', 'docs/tutorial.md', 'docs/text.md', 'dist/index.js', 'dist/index.d.ts']) {
    expect(shipped.has(file)).toBe(true);
  }
});

test('every relative link in a shipped Markdown file points to a shipped file', () => {
  const broken: string[] = [];
  const markdown = [...shipped].filter((f) => f.endsWith('.md'));
  expect(markdown.length).toBeGreaterThan(5);
  for (const file of markdown) {
    for (const target of linkTargets(readFileSync(path.join(ROOT, file), 'utf8'))) {
      if (isAbsolute(target) || target.startsWith('#')) continue;
      const bare = decodeURI(target.replace(/[#?].*$/, ''));
      const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), bare));
      const found = bare.endsWith('/') ? [...shipped].some((f) => f.startsWith(resolved)) : shipped.has(resolved);
      if (!found) broken.push(`${file}: ${target}`);
    }
  }
  expect(broken).toEqual([]);
});

test("the README's images are absolute URLs: the registry page shows the README alone", () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)/g)].map((m) => m[1]!);
  expect(images.length).toBeGreaterThan(0);
  for (const src of images) expect(src).toMatch(/^https:\/\//);
});

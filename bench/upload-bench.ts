/**
 * `npm run bench:upload [-- options]` (issue 5, item 8): the engine's pipelined
 * upload against a stop-and-wait client with one 128-byte chunk in flight,
 * over the simulator's Bluetooth LE and UART models in virtual time, held
 * against each link's capacity; then the machinery's own speed (a 1 MiB
 * upload over a zero-cost link, in real time) and the fault soak. A table,
 * or with --json one JSON document: an array of rows, each with a `kind`
 * ('run', 'upload', 'wall-clock', 'soak', 'target').
 */
import { measureProfile, type UploadRow } from './upload/matrix.ts';
import { bleProfiles, serialProfiles } from './upload/profiles.ts';
import { printTable, targetRows, type Row } from './upload/report.ts';
import { benchImage } from './upload/run-case.ts';
import { BASELINE_CHUNK } from './upload/stop-and-wait.ts';
import { runSoak } from './upload/soak.ts';
import { wallMs } from './upload/virtual-time.ts';
import { measureWallClock } from './upload/wall-clock.ts';

const USAGE = `usage: npm run bench:upload -- [--json] [--covering] [--soak N] [--image-kib N] [--only PARTS]
  --json          one JSON document (an array of rows) on stdout; progress goes to stderr
  --covering      a covering design of the Bluetooth matrix (110 profiles) instead of all 720
  --soak N        fault-soak schedules (default 10000; 0 skips the soak)
  --image-kib N   image size for the matrix, header and TLVs included (default 256)
  --only PARTS    comma-separated subset of matrix,wall,soak`;

function options(args: readonly string[]) {
  const value = (flag: string, fallback: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? (args[i + 1] ?? '') : fallback;
  };
  const parts = value('--only', 'matrix,wall,soak').split(',');
  const opts = {
    json: args.includes('--json'),
    design: args.includes('--covering') ? ('covering' as const) : ('full' as const),
    schedules: Number(value('--soak', '10000')),
    // 256 KiB: the start of an upload (first chunk alone, window ramp) is a fixed ~0.13 s
    // that weighs 3 points of efficiency at 64 KiB against 1 at 256 KiB.
    imageKiB: Number(value('--image-kib', '256')),
    matrix: parts.includes('matrix'),
    wall: parts.includes('wall'),
    soak: parts.includes('soak'),
  };
  const known = new Set(['--json', '--covering', '--soak', '--image-kib', '--only']);
  const bad =
    args.some((a, i) => a.startsWith('-') && !known.has(a) && !known.has(args[i - 1] ?? '')) ||
    !Number.isInteger(opts.schedules) ||
    opts.schedules < 0 ||
    !(opts.imageKiB >= 8 && opts.imageKiB <= 400) ||
    parts.some((p) => !['matrix', 'wall', 'soak'].includes(p));
  if (bad || args.includes('--help')) {
    console.error(USAGE);
    process.exit(bad ? 2 : 0);
  }
  return opts;
}

const opts = options(process.argv.slice(2));
// Progress goes to stderr, so that --json keeps stdout one document.
const note = (text: string) => process.stderr.write(`${text}\n`);
const rows: Row[] = [];

if (opts.matrix) {
  const started = wallMs();
  const image = await benchImage(opts.imageKiB * 1024);
  const profiles = [...bleProfiles(opts.design), ...serialProfiles()];
  const uploads: UploadRow[] = [];
  for (const [i, profile] of profiles.entries()) {
    uploads.push(await measureProfile(profile, image));
    if ((i + 1) % 50 === 0) note(`… ${i + 1}/${profiles.length} profiles`);
  }
  rows.push(
    {
      kind: 'run',
      benchmark: 'upload',
      design: opts.design,
      profiles: profiles.length,
      imageBytes: image.length,
      baselineChunkBytes: BASELINE_CHUNK,
      node: process.version,
      matrixWallMs: wallMs() - started,
    },
    ...uploads,
  );
}
if (opts.wall) {
  for (const link of ['ble', 'serial'] as const) rows.push(await measureWallClock(link));
}
if (opts.soak && opts.schedules > 0) {
  note(`fault soak: ${opts.schedules} schedules…`);
  const tally = await runSoak(opts.schedules, (done) => note(`… ${done}/${opts.schedules}`));
  rows.push({ kind: 'soak', ...tally });
}
rows.push(...targetRows(rows));
if (opts.json) console.log(JSON.stringify(rows, null, 2));
else printTable(rows);

/**
 * The shared capture corpus (../shared/captures beside the repository): its
 * manifest and tshark's per-frame oracle tables. Tests that use it skip,
 * saying so, when it is absent (a user's clone).
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export const CAPTURES = new URL('../../../shared/captures/', import.meta.url);
export const haveCaptures = existsSync(new URL('MANIFEST.tsv', CAPTURES));

export interface ManifestRow {
  file: string;
  format: string;
  /** The numeric prefix of the link_type column, e.g. 1 for "1 EN10MB (Ethernet)". */
  linkType: number;
  frames: number;
  ipFrames: number;
  /** Directional outer 5-tuples (addresses, protocol, ports: TCP/UDP/SCTP only, first fragments included). */
  flows: number;
  /** NAME:count of the frames with each encapsulation (see the corpus README). */
  encapsulations: string;
}

/** A tab-separated table with a header line: the column index of each name, and the rows. */
export interface Table {
  col(name: string): number;
  rows: string[][];
}

function table(text: string, what: string): Table {
  const [header, ...lines] = text.trimEnd().split('\n');
  const columns = header!.split('\t');
  return {
    col(name) {
      const i = columns.indexOf(name);
      if (i < 0) throw new Error(`${what} has no ${name} column`);
      return i;
    },
    rows: lines.map((l) => l.split('\t')),
  };
}

export function readManifest(): ManifestRow[] {
  if (!haveCaptures) return [];
  const t = table(readFileSync(new URL('MANIFEST.tsv', CAPTURES), 'utf8'), 'MANIFEST.tsv');
  const [file, format, linkType, frames] = [t.col('file'), t.col('format'), t.col('link_type'), t.col('frames')];
  const [ipFrames, flows, enc] = [t.col('ip_frames'), t.col('flows_5tuple_directional'), t.col('encapsulations_frames')];
  return t.rows.map((c) => ({
    file: c[file]!, format: c[format]!, linkType: Number.parseInt(c[linkType]!, 10), frames: Number(c[frames]),
    ipFrames: Number(c[ipFrames]), flows: Number(c[flows]), encapsulations: c[enc]!,
  }));
}

export function readCapture(file: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(file, CAPTURES)));
}

/** tshark's oracle table of a capture (oracle/<file>.tsv, or .tsv.gz for the large ones). */
export function readOracle(file: string): Table {
  const plain = new URL(`oracle/${file}.tsv`, CAPTURES);
  const text = existsSync(plain)
    ? readFileSync(plain, 'utf8')
    : gunzipSync(readFileSync(new URL(`oracle/${file}.tsv.gz`, CAPTURES))).toString('utf8');
  return table(text, `oracle/${file}.tsv`);
}

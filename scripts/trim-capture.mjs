#!/usr/bin/env node
// Write a classic pcap whose records keep only their first SNAPLEN bytes
// (orig_len unchanged): the headers every policy reads, without payload.
//   node scripts/trim-capture.mjs IN.pcap OUT.pcap [SNAPLEN=96]
// Made data/netns-mixed.pcap from ../shared/captures/generated_netns_mixed_traffic.pcap.
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output, snapArg] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: trim-capture.mjs IN.pcap OUT.pcap [SNAPLEN]');
  process.exit(2);
}
const snaplen = Number(snapArg ?? 96);
const src = readFileSync(input);
const magic = src.readUInt32LE(0);
if (magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) throw new Error(`${input}: not a little-endian classic pcap`);
const parts = [Buffer.from(src.subarray(0, 24))];
parts[0].writeUInt32LE(snaplen, 16);
let p = 24;
while (p + 16 <= src.length) {
  const caplen = src.readUInt32LE(p + 8);
  const keep = Math.min(caplen, snaplen);
  const head = Buffer.from(src.subarray(p, p + 16));
  head.writeUInt32LE(keep, 8);
  parts.push(head, src.subarray(p + 16, p + 16 + keep));
  p += 16 + caplen;
}
writeFileSync(output, Buffer.concat(parts));

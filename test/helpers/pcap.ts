/** Builders for hand-made captures: integers in one byte order, classic pcap files. */

/** Appends integers in one byte order. */
export class Writer {
  private readonly out: number[] = [];
  constructor(private readonly le: boolean) {}
  u8(v: number): this {
    this.out.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.le ? this.u8(v).u8(v >>> 8) : this.u8(v >>> 8).u8(v);
  }
  u32(v: number): this {
    return this.le ? this.u16(v & 0xffff).u16(v >>> 16) : this.u16(v >>> 16).u16(v & 0xffff);
  }
  bytes(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.out.push(b[i]!);
    return this;
  }
  pad4(): this {
    while (this.out.length % 4 !== 0) this.out.push(0);
    return this;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

export interface PcapRecord {
  sec: number;
  frac: number;
  data: Uint8Array;
  orig?: number;
  incl?: number;
}

export interface PcapOptions {
  le?: boolean;
  nsec?: boolean;
  linkType?: number;
  snaplen?: number;
  major?: number;
}

export function pcap(records: PcapRecord[], o: PcapOptions = {}): Uint8Array {
  const w = new Writer(o.le ?? true);
  w.u32(o.nsec ? 0xa1b23c4d : 0xa1b2c3d4) // written in the file's own byte order
    .u16(o.major ?? 2)
    .u16(4)
    .u32(0) // thiszone
    .u32(0) // sigfigs
    .u32(o.snaplen ?? 65535)
    .u32(o.linkType ?? 1);
  for (const r of records) {
    w.u32(r.sec).u32(r.frac).u32(r.incl ?? r.data.length).u32(r.orig ?? r.data.length).bytes(r.data);
  }
  return w.done();
}


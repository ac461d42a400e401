/**
 * dissect() known answers on hand-built frames, for what the shared captures
 * do not contain (Linux SLL2) and for the public object's shape. The walk's
 * agreement with Wireshark on real captures is test/dissect-oracle.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { fromRecord, walkRecord } from '../lib/dissect.js';
import { backends } from './helpers/backends.js';
import { concat, ethernet, ipv4, ipv6, tcp, u16, u32, udp, vlanTag, hex } from './helpers/frames.js';

const l4 = tcp(40000, 443);
const ip4 = concat(ipv4({ proto: 6, src: '192.0.2.1', dst: '198.51.100.7' }, l4.length), l4);

describe.each(backends())('dissect known answers (%s)', (_name, backend) => {
  const d = (frame: Uint8Array, link = 1) => fromRecord(frame, walkRecord(backend, frame, link));

  it('Linux SLL2: protocol, sender address, then IPv4 and ports', () => {
    // SLL2 (LINKTYPE 276): protocol 0x0800, reserved, ifindex 2, ARPHRD_ETHER, outgoing, address length 6, address (8 bytes)
    const frame = concat(u16(0x0800), u16(0), u32(2), u16(1), new Uint8Array([4, 6]), hex('02 00 5e 10 00 01 00 00'), ip4);
    const r = d(frame, 276);
    expect(r).toMatchObject({ status: 'ok', linkType: 276, eth: [], sllAddress: '02:00:5e:10:00:01', etherType: 0x0800, l3Type: 0x0800 });
    expect(r.ip).toEqual([expect.objectContaining({ kind: 'outer', version: 4, offset: 20, src: '192.0.2.1', dst: '198.51.100.7', protocol: 6, l4Offset: 40, srcPort: 40000, dstPort: 443 })]);
    expect(d(frame.subarray(0, 19), 276).status).toBe('truncated');
    // an address that is not 6 bytes long is not reported as a MAC
    const short = Uint8Array.from(frame);
    short[11] = 4;
    expect(d(short, 276).sllAddress).toBeNull();
  });

  it('Linux SLL with an in-band VLAN tag and raw IPv6', () => {
    const sll = concat(u16(0), u16(1), u16(6), hex('00 11 22 33 44 55 00 00'), u16(0x8100), u16(0x2064), u16(0x0800), ip4);
    const r = d(sll, 113);
    expect(r.vlans).toEqual([{ tpid: 0x8100, pcp: 1, dei: 0, vid: 100 }]);
    expect(r.ip[0]).toMatchObject({ src: '192.0.2.1', srcPort: 40000 });
    const v6 = concat(ipv6(17, '2001:db8::1', 'fe80::200:f8ff:fe21:67cf', 8, 0xabcde), udp(53, 5353));
    expect(d(v6, 229).ip[0]).toMatchObject({ version: 6, src: '2001:db8::1', dst: 'fe80::200:f8ff:fe21:67cf', flowLabel: 0xabcde, srcPort: 53, dstPort: 5353 });
    expect(d(v6, 228).status).toBe('malformed');  // LINKTYPE_IPV4 with an IPv6 packet
  });

  it('QinQ, 802.3 length frames and ICMP errors quoting their packet', () => {
    const qinq = concat(ethernet('ff:ff:ff:ff:ff:ff', '00:00:5e:00:53:01', 0x88a8), u16(0x0064), vlanTag(0x8100, 0xe00a), u16(0x0800), ip4);
    expect(d(qinq)).toMatchObject({ etherType: 0x88a8, l3Type: 0x0800, vlans: [{ tpid: 0x88a8, vid: 100 }, { tpid: 0x8100, pcp: 7, vid: 10 }] });
    const llc = concat(ethernet('01:80:c2:00:00:00', '00:00:5e:00:53:01', 0x0026), hex('42 42 03 00 00'));
    expect(d(llc)).toMatchObject({ status: 'ok', llc: true, etherType: null, l3Type: null, ip: [] });
    const quoted = concat(ipv4({ proto: 17, src: '10.0.0.2', dst: '10.0.0.9' }, 8), udp(1234, 53));
    const icmp = concat(new Uint8Array([3, 3, 0, 0, 0, 0, 0, 0]), quoted);
    const err = concat(ethernet('00:00:5e:00:53:02', '00:00:5e:00:53:01', 0x0800), ipv4({ proto: 1, src: '10.0.0.9', dst: '10.0.0.2' }, icmp.length), icmp);
    const r = d(err);
    expect(r.ip.map((l) => [l.kind, l.src, l.protocol, l.srcPort ?? null])).toEqual([['outer', '10.0.0.9', 1, null], ['quoted', '10.0.0.2', 17, 1234]]);
    expect(r.ip[0].icmp).toEqual({ type: 3, code: 3 });
  });

  it('VXLAN: the inner Ethernet frame and IP layer, the VNI', () => {
    const inner = concat(ethernet('00:00:5e:00:53:aa', '00:00:5e:00:53:bb', 0x0800), ip4);
    const vx = concat(new Uint8Array([8, 0, 0, 0]), u32(0x01234500), inner);
    const outerUdp = udp(49152, 4789, vx);
    const frame = concat(ethernet('00:00:5e:00:53:02', '00:00:5e:00:53:01', 0x0800), ipv4({ proto: 17, src: '203.0.113.1', dst: '203.0.113.2' }, outerUdp.length), outerUdp);
    const r = d(frame);
    expect(r.tunnel).toEqual({ type: 'vxlan', id: 0x012345 });
    expect(r.eth.map((e) => e.src)).toEqual(['00:00:5e:00:53:01', '00:00:5e:00:53:bb']);
    expect(r.ip.map((l) => [l.kind, l.src])).toEqual([['outer', '203.0.113.1'], ['tunnelled', '192.0.2.1']]);
    expect(r.end).toBe(frame.length - l4.length + 4);
  });
});

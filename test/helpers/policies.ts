/** The policy variants the differential tests run: every family, with their options. */
import { policy, type Policy } from '../../lib/policy.js';
import { SYMMETRIC_RSS_KEY } from '../../lib/toeplitz.js';

export const DIFF_POLICIES: Policy[] = [
  'linux:layer2', 'linux:layer2+3', 'linux:layer3+4', 'linux:encap2+3', 'linux:encap3+4', 'linux:vlan+srcmac',
  'linux:layer3+4?vlan=inband', 'linux:encap3+4?vlan=inband', 'linux:vlan+srcmac?vlan=inband',
  'dpdk:l2', 'dpdk:l23', 'dpdk:l34',
  'team', 'team:eth', 'team:vlan', 'team:eth,vlan,ipv4,ipv6,l4', 'team:ipv6,tcp', 'team:l3,udp,sctp?vlan=inband',
  'rss:toeplitz', 'rss:toeplitz?l4=&tunnel=inner', 'rss:toeplitz?l4=tcp,udp,sctp',
  'src-mac', 'dst-mac', 'src-dst-mac', 'src-ip', 'dst-ip', 'src-dst-ip', 'src-dst-ip-port',
  'src-dst-ip-port?hash=xor', 'src-dst-ip-port?symmetric=1&seed=99', 'src-dst-ip?tunnel=inner&l2Fallback=0',
  'fields?fields=src-mac,dst-mac,ether-type,vlan,mpls-label,tunnel-id,src-ip,dst-ip,ip-proto,flow-label,src-port,dst-port&symmetric=1&tunnel=inner',
  'fields?fields=src-mac,dst-mac,ether-type,vlan,mpls-label,tunnel-id,src-ip,dst-ip,ip-proto,flow-label,src-port,dst-port&hash=xor',
].map((p) => policy(p)).concat([policy({ name: 'rss:toeplitz', key: SYMMETRIC_RSS_KEY })]);

/** A ready gateway.yaml for the simulated meters: what `kwhub meter-sim` prints or writes. */
import type { SimMeter } from './plan.js';

export interface SimPorts {
  host: string;
  modbus: number;
  /** one M-Bus converter per medium: heating, hot water, cold water */
  mbus: [number, number, number];
}

export const MBUS_GROUPS = ['heating', 'hot_water', 'cold_water'] as const;

export function mbusBusOf(m: SimMeter): string {
  return `sim-mbus-${m.type === 'heating' || m.type === 'cooling' ? 'heat' : m.type === 'hot_water' ? 'hot-water' : 'cold-water'}`;
}

export function simGatewayYaml(meters: SimMeter[], ports: SimPorts, server: { url: string; token: string | null; seed: number }): string {
  const lines = [
    `# gateway.yaml for "kwhub meter-sim" (demo seed ${server.seed}): the Sonnenhof's meters, simulated.`,
    '# For a real site, keep the same shape: your buses (serial RS485, Modbus TCP, RTU over TCP, M-Bus) and meters.',
    'server:',
    `  url: ${server.url}`,
    server.token ? `  token: ${server.token}` : '  # token: set KWHUB_GATEWAY_TOKEN (POST /api/admin/v1/sites/<site_id>/gateways creates one)',
    'local_api:',
    '  host: 127.0.0.1',
    '  port: 8081          # kwhub serve uses 8080',
    'queue:',
    '  path: ./gateway-queue.sqlite',
    'poll:',
    '  live_seconds: 5',
    'buses:',
    `  - {name: sim-modbus, type: modbus_tcp, host: ${ports.host}, port: ${ports.modbus}, timeout_ms: 600}`,
    `  - {name: sim-mbus-heat, type: mbus_tcp, host: ${ports.host}, port: ${ports.mbus[0]}, timeout_ms: 300}`,
    `  - {name: sim-mbus-hot-water, type: mbus_tcp, host: ${ports.host}, port: ${ports.mbus[1]}, timeout_ms: 300}`,
    `  - {name: sim-mbus-cold-water, type: mbus_tcp, host: ${ports.host}, port: ${ports.mbus[2]}, timeout_ms: 300}`,
    'meters:',
  ];
  for (const m of meters) {
    const addr = m.bus === 'modbus' ? `unit_id: ${m.primAd}` : `secondary_address: "${m.secondaryAddress}"`;
    lines.push(`  - {prim_ad: ${m.primAd}, type: ${m.type}, model: ${m.model}, bus: ${m.bus === 'modbus' ? 'sim-modbus' : mbusBusOf(m)}, ${addr}}   # ${m.name}`);
  }
  return `${lines.join('\n')}\n`;
}

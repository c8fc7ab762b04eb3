/** gateway.yaml checking: each mistake names its line and says how to fix it. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config.js';
import { parseGatewayConfig } from '../../src/gateway/config.js';

const GOOD = `server:
  url: http://kwhub.example.ch:8080/
  token: kwg_secret
buses:
  - {name: rs485, type: serial, device: /dev/ttyUSB0, baud: 9600, parity: 8E1}
  - {name: lan, type: modbus_tcp, host: 192.168.1.50}
  - {name: mbus, type: mbus_tcp, host: 192.168.1.51, port: 10001}
meters:
  - {prim_ad: 1, type: electricity, model: sdm630, bus: rs485, unit_id: 1}
  - {prim_ad: 2, type: electricity, model: pro380, bus: rs485, unit_id: 2}
  - {prim_ad: 30, type: heating, model: mbus, bus: mbus, secondary_address: "71000030E82E0104"}
  - prim_ad: 40
    type: electricity
    model: generic_modbus
    bus: lan
    unit_id: 7
    registers:
      en_im: {register: 0x100, function_code: 3, size: 2, encoding: float32}
      total_W: {register: 0x200, function_code: 4, encoding: int32_ws, factor: 0.1}
`;

function errorOf(text: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseGatewayConfig(text, 'gateway.yaml', env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('gateway.yaml', () => {
  it('should read a good file with its defaults', () => {
    const c = parseGatewayConfig(GOOD, 'gateway.yaml');
    expect(c.server).toEqual({ url: 'http://kwhub.example.ch:8080', token: 'kwg_secret', batchSize: 10_000, retryMaxSeconds: 300 });
    expect(c.localApi).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(c.buses[0]).toMatchObject({ name: 'rs485', parity: 'even', dataBits: 8, stopBits: 1, baud: 9600, timeoutMs: 600, retries: 1 });
    expect(c.buses[1]).toMatchObject({ port: 502 });
    expect(c.meters.map((m) => [m.primAd, m.modelName, m.unitId ?? m.secondaryAddress])).toEqual([[1, 'sdm630', 1], [2, 'pro380', 2], [30, 'mbus', '71000030E82E0104'], [40, 'generic_modbus', 7]]);
    expect(c.meters[3].model!.registers.total_W).toEqual({ functionCode: 4, address: 0x200, encoding: 'int32_ws', factor: 0.1 });
  });

  it('should take the token from KWHUB_GATEWAY_TOKEN', () => {
    const c = parseGatewayConfig(GOOD.replace('  token: kwg_secret\n', ''), 'gateway.yaml', { KWHUB_GATEWAY_TOKEN: 'from-env' });
    expect(c.server.token).toBe('from-env');
  });

  it('should name the line of an unknown model and list the known ones', () => {
    expect(errorOf(GOOD.replace('model: pro380', 'model: pro999'))).toMatch(/^gateway\.yaml:10: meters\[1\]\.model: unknown model "pro999": use one of sdm630, sdm72, sdm120, abb_b23, pro380, em340, em24, generic_modbus, mbus/);
  });

  it('should name both lines of a duplicate prim_ad', () => {
    expect(errorOf(GOOD.replace('prim_ad: 2,', 'prim_ad: 1,'))).toMatch(/^gateway\.yaml:10: meters\[1\]\.prim_ad: prim_ad 1 is already used by the meter on line 9/);
  });

  it('should say where to put a missing token', () => {
    expect(errorOf(GOOD.replace('  token: kwg_secret\n', ''))).toMatch(/^gateway\.yaml:2: server: no gateway token: set server\.token, or KWHUB_GATEWAY_TOKEN/);
  });

  it('should point at bad YAML, unknown keys, bad values and wrong buses', () => {
    expect(errorOf(GOOD.replace('  - {prim_ad: 1,', '  - {prim_ad: 1,,'))).toMatch(/^gateway\.yaml:9: /);
    expect(errorOf(GOOD.replace('baud: 9600', 'baud_rate: 9600'))).toMatch(/^gateway\.yaml:5: buses\[0\]: unknown key "baud_rate": the keys here are/);
    expect(errorOf(GOOD.replace('parity: 8E1', 'parity: 9X1'))).toMatch(/^gateway\.yaml:5: buses\[0\]\.parity: "9X1" is not one of 8N1, 8N2, 8E1, 8O1, 7E1/);
    expect(errorOf(GOOD.replace('bus: rs485, unit_id: 2', 'bus: rs232, unit_id: 2'))).toMatch(/^gateway\.yaml:10: meters\[1\]\.bus: no bus named "rs232": the buses are rs485, lan, mbus/);
    expect(errorOf(GOOD.replace('model: mbus, bus: mbus', 'model: mbus, bus: lan'))).toMatch(/^gateway\.yaml:11: .*needs an mbus_serial or mbus_tcp bus/);
    expect(errorOf(GOOD.replace('secondary_address: "71000030E82E0104"', 'secondary_address: "7100"'))).toMatch(/^gateway\.yaml:11: .*not a secondary address/);
    expect(errorOf(GOOD.replace('unit_id: 2}', 'unit_id: 1}'))).toMatch(/^gateway\.yaml:10: meters\[1\]: the meter on line 9 has the same address on bus "rs485"/);
    expect(errorOf(GOOD.replace('size: 2, encoding: float32', 'size: 4, encoding: float32'))).toMatch(/^gateway\.yaml:18: meters\[3\]\.registers\.en_im\.size: float32 spans 2 registers, not 4/);
    expect(errorOf(GOOD.replace('url: http://kwhub.example.ch:8080/', 'url: kwhub.example.ch'))).toMatch(/^gateway\.yaml:2: server\.url: "kwhub\.example\.ch" is not an http\(s\) URL/);
  });
});

/**
 * M-Bus value information (EN 13757-3, table of primary VIFs and the 0xFB
 * extension): which quantity a record holds and its unit's decimal
 * exponent. Energies come out in kWh, volumes in m³, power in kW, flows in
 * m³/h, temperatures in °C (differences in K). A meter may count energy in
 * Wh, 10 Wh, kWh or 0.1 MWh: the exponent is what keeps a kWh from coming
 * out ×1000.
 */

export type MbusQuantity = 'heat_energy_kwh' | 'vol_m3' | 'power_kw' | 'vol_flow_m3_h' | 'flow_temp' | 'return_temp' | 'diff_temp';

/** value = raw × mult × 10^exp (mult ≠ 1 only for units that are not decimal multiples of ours: J, m³/min, m³/s) */
export interface VifUnit {
  quantity: MbusQuantity;
  exp: number;
  mult: number;
}

const u = (quantity: MbusQuantity, exp: number, mult = 1): VifUnit => ({ quantity, exp, mult });

/** a primary VIF (extension bit cleared), or null for a quantity the gateway does not use */
export function primaryVif(vif: number): VifUnit | null {
  const n3 = vif & 0x07;
  const n2 = vif & 0x03;
  switch (vif & 0x78) {
    case 0x00: return u('heat_energy_kwh', n3 - 3 - 3); // 10^(n-3) Wh
    case 0x08: return u('heat_energy_kwh', n3, 1 / 3.6e6); // 10^n J
    case 0x10: return u('vol_m3', n3 - 6); // 10^(n-6) m³
    case 0x28: return u('power_kw', n3 - 3 - 3); // 10^(n-3) W
    case 0x30: return u('power_kw', n3, 1 / 3.6e6); // 10^n J/h
    case 0x38: return u('vol_flow_m3_h', n3 - 6); // 10^(n-6) m³/h
    case 0x40: return u('vol_flow_m3_h', n3 - 7, 60); // 10^(n-7) m³/min
    case 0x48: return u('vol_flow_m3_h', n3 - 9, 3600); // 10^(n-9) m³/s
    case 0x58: return (vif & 0x04) === 0 ? u('flow_temp', n2 - 3) : u('return_temp', n2 - 3); // 10^(n-3) °C
    case 0x60: return (vif & 0x04) === 0 ? u('diff_temp', n2 - 3) : null; // 10^(n-3) K; 0x64: external temperature
    default: return null;
  }
}

/** a VIF of the 0xFB extension table */
export function extensionFbVif(vif: number): VifUnit | null {
  const n1 = vif & 0x01;
  switch (vif & 0x7e) {
    case 0x00: return u('heat_energy_kwh', n1 - 1 + 3); // 10^(n-1) MWh
    case 0x08: return u('heat_energy_kwh', n1 - 1 + 9, 1 / 3.6e6); // 10^(n-1) GJ
    case 0x10: return u('vol_m3', n1 + 2); // 10^(n+2) m³
    case 0x28: return u('power_kw', n1 - 1 + 3); // 10^(n-1) MW
    default: return null;
  }
}

/** raw × mult × 10^exp, dividing by an exact power of ten where the exponent is negative (one rounding, not two) */
export function scale(raw: number, unit: { exp: number; mult: number }): number {
  const v = unit.exp < 0 ? raw / 10 ** -unit.exp : raw * 10 ** unit.exp;
  return unit.mult === 1 ? v : v * unit.mult;
}

/**
 * Where the sun is and what reaches the PV modules.
 *
 * Sun position: Spencer's (1971) series for declination and the equation of
 * time, hour angle from true solar time. Clear sky: Kasten–Young air mass and
 * the Meinel/Laue beam attenuation (with the site's altitude and some haze), a diffuse part
 * of 10 % of the beam. Clouds (cover c in 0..1): Kasten–Czeplak for global
 * irradiance, the beam fading faster than the global so overcast light is
 * diffuse. Plane of array: Duffie–Beckman incidence angle, isotropic sky and
 * ground reflection.
 */
const DEG = Math.PI / 180;
const SOLAR_CONSTANT = 1361; // W/m²
const ALTITUDE_KM = 0.44; // Winterthur
const ALBEDO = 0.2;
/** aerosols and water vapour over the Swiss Plateau attenuate more than Meinel's clean atmosphere */
const HAZE = 0.88;

export interface PlaneOfArray {
  latitudeDeg: number;
  longitudeDeg: number;
  tiltDeg: number;
  /** surface azimuth from south, west positive (0 = south) */
  azimuthDeg: number;
}

/** Scratch output, reused between calls so the per-step loop allocates nothing. */
export interface Irradiance {
  /** cosine of the solar zenith angle (≤ 0: sun below the horizon) */
  cosZenith: number;
  /** global horizontal, W/m² */
  ghi: number;
  /** plane of array, W/m² */
  poa: number;
}

export function newIrradiance(): Irradiance {
  return { cosZenith: 0, ghi: 0, poa: 0 };
}

/**
 * Irradiance at instant `ms` (UTC) for cloud cover `cloud`. `yearStart` is
 * Jan 1 00:00 UTC of the instant's year (passed in to keep Date out of the loop).
 */
export function irradianceAt(ms: number, yearStart: number, plane: PlaneOfArray, cloud: number, out: Irradiance): Irradiance {
  const dayFrac = (ms - yearStart) / 86_400_000;
  const g = ((2 * Math.PI) / 365) * (dayFrac - 0.5);
  const c1 = Math.cos(g), s1 = Math.sin(g), c2 = Math.cos(2 * g), s2 = Math.sin(2 * g);
  const decl = 0.006918 - 0.399912 * c1 + 0.070257 * s1 - 0.006758 * c2 + 0.000907 * s2 - 0.002697 * Math.cos(3 * g) + 0.00148 * Math.sin(3 * g);
  const eotMin = 229.18 * (0.000075 + 0.001868 * c1 - 0.032077 * s1 - 0.014615 * c2 - 0.040849 * s2);
  const utcMin = ((ms % 86_400_000) + 86_400_000) % 86_400_000 / 60_000;
  const solarMin = utcMin + eotMin + 4 * plane.longitudeDeg;
  const omega = (solarMin / 4 - 180) * DEG; // hour angle, afternoon positive

  const phi = plane.latitudeDeg * DEG;
  const sinD = Math.sin(decl), cosD = Math.cos(decl), sinP = Math.sin(phi), cosP = Math.cos(phi);
  const cosW = Math.cos(omega);
  const cosZ = sinP * sinD + cosP * cosD * cosW;
  out.cosZenith = cosZ;
  if (cosZ <= 0.0) {
    out.ghi = 0;
    out.poa = 0;
    return out;
  }
  const zenDeg = Math.acos(cosZ) / DEG;
  const airMass = 1 / (cosZ + 0.50572 * Math.pow(96.07995 - zenDeg, -1.6364));
  const i0 = SOLAR_CONSTANT * (1 + 0.033 * Math.cos((2 * Math.PI * dayFrac) / 365));
  const dniClear = HAZE * i0 * ((1 - 0.14 * ALTITUDE_KM) * Math.pow(0.7, Math.pow(airMass, 0.678)) + 0.14 * ALTITUDE_KM);
  const dhiClear = 0.1 * dniClear;
  const ghiClear = dniClear * cosZ + dhiClear;

  const c = cloud < 0 ? 0 : cloud > 1 ? 1 : cloud;
  const ghi = ghiClear * (1 - 0.75 * Math.pow(c, 3.4));
  const dni = dniClear * Math.pow(1 - c, 1.3);
  const dhi = Math.max(ghi - dni * cosZ, 0);

  const beta = plane.tiltDeg * DEG, gam = plane.azimuthDeg * DEG;
  const sinB = Math.sin(beta), cosB = Math.cos(beta);
  const cosTheta =
    sinD * sinP * cosB -
    sinD * cosP * sinB * Math.cos(gam) +
    cosD * cosP * cosB * cosW +
    cosD * sinP * sinB * Math.cos(gam) * cosW +
    cosD * sinB * Math.sin(gam) * Math.sin(omega);
  const beam = cosTheta > 0 ? dni * cosTheta : 0;
  out.ghi = ghi;
  out.poa = beam + (dhi * (1 + cosB)) / 2 + (ghi * ALBEDO * (1 - cosB)) / 2;
  return out;
}

/** sine of the solar elevation is the cosine of the zenith */
export function elevationDeg(cosZenith: number): number {
  return 90 - Math.acos(Math.max(-1, Math.min(1, cosZenith))) / DEG;
}

export interface PvPlant {
  peakKw: number;
  /** AC rating of the inverters */
  inverterKw: number;
  /** soiling, mismatch, wiring, ageing */
  systemLosses: number;
  /** inverters' draw when they are off (night), kW */
  standbyKw: number;
}

/**
 * AC power of the plant (kW, ≥ 0) for plane-of-array irradiance and air
 * temperature, or −standby when the inverters are off. Module temperature
 * rises with irradiance (NOCT ≈ 45 °C) and costs 0.4 %/K; the inverters have
 * a fixed no-load loss, so weak light at dawn yields nothing.
 */
export function pvPowerKw(plant: PvPlant, poa: number, airTemp: number): number {
  if (poa <= 0) return -plant.standbyKw;
  const cellTemp = airTemp + 0.031 * poa;
  const dc = plant.peakKw * (poa / 1000) * (1 - 0.004 * (cellTemp - 25)) * (1 - plant.systemLosses);
  const ac = 0.975 * dc - 0.004 * plant.inverterKw;
  if (ac <= 0) return -plant.standbyKw;
  return ac > plant.inverterKw ? plant.inverterKw : ac;
}

/**
 * Examples of the document, taken from the demo community "Sonnenhof"
 * (`kwhub demo`, seed 1: the ids of `demoSiteDocument(1)`), answers as the
 * server gave them for 2026-05-05 15:00–15:15 UTC.
 */

export const EX = {
  site: '60dc9374b09d0f23bfaa841c',
  pv: '60dc9374abe50bad185f3d00',
  heatPump: '60dc93740e4bd081d8f7febf',
  apartment: '60dc937464a04c38920b8e9d',
  chargePoint: '60dc93742fb3ecacc93fb27d',
  heat: '60dc9374ed06c62edc069a2a',
  hotWater: '60dc93740e98394c29a5a189',
  common: '60dc9374ca3a9f78950b8a3d',
  sensor: '60dc93745eeb1a21d5e6efd4',
  gateway: '60dc9374d3a1c2b4e5f60718',
} as const;

export const installationExample = { site_id: EX.site, site_ref: 'SONNENHOF', name: 'Sonnenhof' };

export const installationInfoExample = {
  site_ref: 'SONNENHOF',
  name: 'Sonnenhof',
  address: { street_name: 'Sonnenhofweg', street_number: '12', city: 'Winterthur', postal_code: 8400 },
  creation_date: '2021-06-30T17:53:24',
  latitude: 47.5,
  longitude: 8.72,
  timezone: 'Europe/Zurich',
};

export const meterInfoExample = [
  { id: '60dc93749b05d398d3b26620', type: 'electricity', name: 'Netzanschluss', mode: 'introduction', prim_ad: 1, is_rule_meter: false },
  { id: EX.pv, type: 'electricity', name: 'PV-Anlage 60 kWp', mode: 'production', prim_ad: 2, is_rule_meter: false },
  { id: EX.apartment, type: 'electricity', name: 'Wohnung 1.1', mode: 'consumption', prim_ad: 10, is_rule_meter: false },
  { id: EX.heat, type: 'heating', name: 'Wärme Wohnung 1.1', mode: 'consumption', prim_ad: 30, is_rule_meter: false },
  { id: EX.common, type: 'electricity', name: 'Allgemein', mode: 'consumption', prim_ad: 9, is_rule_meter: true },
];

export const sensorExample = { id: EX.sensor, name: 'Aussentemperatur', type: 'temperature', unit: '°C', model: 'PT1000' };

/** one 15T row of site_data/<Sonnenhof>/electricity: the quarter-hour ending 17:15 local time */
export const siteDataRowExample = {
  conso_total: 1.456831,
  ext_60dc93740e4bd081d8f7febf: 0,
  ext_60dc93742fb3ecacc93fb27d: 0,
  ext_60dc93744c77a061836e4a10: 0,
  ext_60dc937452c45fbeaba7c0dc: 0,
  ext_60dc937464a04c38920b8e9d: 0,
  ext_60dc937476514945bb4d1598: 0,
  ext_60dc93748093bb0d2b322526: 0,
  ext_60dc937492df8e84ce80de9d: 0,
  ext_60dc9374ac68865f9905f580: 0,
  ext_60dc9374b9fad9b30f22b308: 0,
  ext_60dc9374bcb355073bc0bd7b: 0,
  ext_60dc9374ca3a9f78950b8a3d: 0,
  ext_60dc9374cd9f326f17086205: 0,
  ext_60dc9374e7c8efb8c79f8e28: 0,
  ext_60dc9374f04f656a9ed528d4: 0,
  ext_60dc9374fd0bb3f3a4c95ea6: 0,
  from_ext: 0,
  prod_total: 3.900504,
  self: 1.456831,
  self_60dc93740e4bd081d8f7febf: 0.199893,
  self_60dc93742fb3ecacc93fb27d: 0,
  self_60dc93744c77a061836e4a10: 0.060154,
  self_60dc937452c45fbeaba7c0dc: 0.107901,
  self_60dc937464a04c38920b8e9d: 0.092936,
  self_60dc937476514945bb4d1598: 0.113488,
  self_60dc93748093bb0d2b322526: 0.138078,
  self_60dc937492df8e84ce80de9d: 0.079422,
  self_60dc9374ac68865f9905f580: 0.251617,
  self_60dc9374b9fad9b30f22b308: 0,
  self_60dc9374bcb355073bc0bd7b: 0.061038,
  self_60dc9374ca3a9f78950b8a3d: 0.103506,
  self_60dc9374cd9f326f17086205: 0.057349,
  self_60dc9374e7c8efb8c79f8e28: 0.075423,
  self_60dc9374f04f656a9ed528d4: 0.065477,
  self_60dc9374fd0bb3f3a4c95ea6: 0.050551,
  storage_charging_self: 0,
  storage_charging_total: 0,
  storage_discharging_total: 0,
  to_ext: 2.443673,
  total_60dc93740e4bd081d8f7febf: 0.199893,
  total_60dc93742fb3ecacc93fb27d: 0,
  total_60dc93744c77a061836e4a10: 0.060154,
  total_60dc937452c45fbeaba7c0dc: 0.107901,
  total_60dc937464a04c38920b8e9d: 0.092936,
  total_60dc937476514945bb4d1598: 0.113488,
  total_60dc93748093bb0d2b322526: 0.138078,
  total_60dc937492df8e84ce80de9d: 0.079422,
  total_60dc9374abe50bad185f3d00: 3.900504,
  total_60dc9374ac68865f9905f580: 0.251617,
  total_60dc9374b9fad9b30f22b308: 0,
  total_60dc9374bcb355073bc0bd7b: 0.061038,
  total_60dc9374ca3a9f78950b8a3d: 0.103506,
  total_60dc9374cd9f326f17086205: 0.057349,
  total_60dc9374e7c8efb8c79f8e28: 0.075423,
  total_60dc9374f04f656a9ed528d4: 0.065477,
  total_60dc9374fd0bb3f3a4c95ea6: 0.050551,
  timestamp: '2026-05-05 17:15:00+02:00',
};

/** the same quarter-hour of site_data/<Sonnenhof>/charge_point */
export const chargePointRowExample = {
  conso_total: 2.68961,
  ext_60dc93742fb3ecacc93fb27d: 0.267609,
  ext_60dc9374b9fad9b30f22b308: 0,
  from_ext: 0.267609,
  self: 2.422001,
  self_60dc93742fb3ecacc93fb27d: 2.422001,
  self_60dc9374b9fad9b30f22b308: 0,
  total_60dc93742fb3ecacc93fb27d: 2.68961,
  total_60dc9374b9fad9b30f22b308: 0,
  timestamp: '2026-05-05 18:15:00+02:00',
};

export const meterDataExamples = {
  consumer: { total: 0.092936, self: 0.092936, ext: 0, timestamp: '2026-05-05 17:15:00+02:00' },
  producer: { total: 3.900504, timestamp: '2026-05-05 17:15:00+02:00' },
};

export const rawExamples = {
  electricity: { en_im: 31684.49579551414, en_ex: 0, timestamp: '2026-05-05 17:00:23+02:00' },
  heat: { heat_energy_kwh: 40493.23685967006, timestamp: '2026-05-05 17:00:23+02:00' },
  water: { vol_m3: 106.3357774940655, timestamp: '2026-05-05 17:00:23+02:00' },
};

export const sensorDataExample = { timestamp: 1777993223441, value: 10.42 };

/** the same answers as CSV (`Accept: text/csv`) */
export const csvExamples = {
  siteData:
    'conso_total,ext_60dc93742fb3ecacc93fb27d,ext_60dc9374b9fad9b30f22b308,from_ext,self,self_60dc93742fb3ecacc93fb27d,self_60dc9374b9fad9b30f22b308,total_60dc93742fb3ecacc93fb27d,total_60dc9374b9fad9b30f22b308,timestamp\r\n' +
    '2.68961,0.267609,0,0.267609,2.422001,2.422001,0,2.68961,0,2026-05-05 18:15:00+02:00\r\n',
  meterData: 'total,self,ext,timestamp\r\n0.092936,0.092936,0,2026-05-05 17:15:00+02:00\r\n',
  raw: 'en_im,en_ex,timestamp\r\n31684.49579551414,0,2026-05-05 17:00:23+02:00\r\n',
  sensor: 'timestamp,value\r\n1777993223441,10.42\r\n',
};

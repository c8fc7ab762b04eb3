/**
 * IBANs and payment references for Swiss QR bills (SIX Implementation
 * Guidelines QR-bill): a QR-IBAN (institution id 30000–31999) must carry a
 * QR reference (27 digits, recursive mod-10 check digit); an ordinary IBAN
 * a creditor reference (ISO 11649, "RF" + mod-97 check digits) or none.
 */
import { paramError } from '../errors.js';

/** IBAN without spaces, upper case. */
export function normalizeIban(iban: string): string {
  return iban.replace(/\s+/g, '').toUpperCase();
}

/** ISO 7064 mod 97-10 of an alphanumeric string (letters count as 10 … 35). */
function mod97(s: string): number {
  let r = 0;
  for (const ch of s) {
    const v = ch >= 'A' && ch <= 'Z' ? ch.charCodeAt(0) - 55 : ch.charCodeAt(0) - 48;
    r = v >= 10 ? (r * 100 + v) % 97 : (r * 10 + v) % 97;
  }
  return r;
}

export function isValidIban(iban: string): boolean {
  const s = normalizeIban(iban);
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(s)) return false;
  // Swiss and Liechtenstein IBANs are exactly 21 characters
  if ((s.startsWith('CH') || s.startsWith('LI')) && s.length !== 21) return false;
  return mod97(s.slice(4) + s.slice(0, 4)) === 1;
}

/** A QR-IBAN: CH/LI with a QR institution id (30000–31999) in positions 5–9. */
export function isQrIban(iban: string): boolean {
  const s = normalizeIban(iban);
  if (!isValidIban(s) || !(s.startsWith('CH') || s.startsWith('LI'))) return false;
  const iid = Number(s.slice(4, 9));
  return iid >= 30000 && iid <= 31999;
}

/** Throws param.invalid naming `param` unless `iban` is a valid CH/LI IBAN (QR bills only take these). */
export function checkIban(iban: unknown, param: string): string {
  if (typeof iban !== 'string' || !isValidIban(iban)) {
    throw paramError(param, `${param} is not a valid IBAN (checked length, characters and the mod-97 check digits; got ${JSON.stringify(typeof iban === 'string' ? iban.slice(0, 40) : iban)})`);
  }
  const s = normalizeIban(iban);
  if (!s.startsWith('CH') && !s.startsWith('LI')) throw paramError(param, `${param} must be a Swiss or Liechtenstein IBAN for a QR bill (got ${s.slice(0, 2)})`);
  return s;
}

const MOD10_TABLE = [0, 9, 4, 6, 8, 2, 7, 1, 3, 5];

/** Check digit of the recursive modulo-10 method used by QR references. */
export function mod10Recursive(digits: string): number {
  let carry = 0;
  for (const ch of digits) carry = MOD10_TABLE[(carry + ch.charCodeAt(0) - 48) % 10];
  return (10 - carry) % 10;
}

/** A 27-digit QR reference from up to 26 digits of payload (left-padded with zeros). */
export function qrReference(payload: string): string {
  if (!/^\d{1,26}$/.test(payload)) throw new RangeError(`a QR reference payload is 1–26 digits (got ${payload})`);
  const body = payload.padStart(26, '0');
  return body + mod10Recursive(body);
}

export function isValidQrReference(ref: string): boolean {
  return /^\d{27}$/.test(ref) && ref !== '0'.repeat(27) && mod10Recursive(ref.slice(0, 26)) === Number(ref[26]);
}

/** An ISO 11649 creditor reference ("RF" + 2 check digits + 1–21 alphanumerics). */
export function creditorReference(payload: string): string {
  const p = payload.toUpperCase();
  if (!/^[A-Z0-9]{1,21}$/.test(p)) throw new RangeError(`a creditor reference payload is 1–21 letters or digits (got ${payload})`);
  const check = 98 - mod97(p + 'RF00');
  return `RF${String(check).padStart(2, '0')}${p}`;
}

export function isValidCreditorReference(ref: string): boolean {
  const s = ref.replace(/\s+/g, '').toUpperCase();
  return /^RF\d{2}[A-Z0-9]{1,21}$/.test(s) && mod97(s.slice(4) + s.slice(0, 4)) === 1;
}

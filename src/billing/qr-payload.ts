/**
 * Reads a Swiss QR bill payload (SPC 0200) back into its fields and checks
 * it against the SIX implementation guidelines: header, structured (S)
 * addresses with their mandatory fields, a valid IBAN, a reference whose
 * type matches the account and whose check digits hold, the amount's form.
 */
import { isQrIban, isValidCreditorReference, isValidIban, isValidQrReference } from '../core/billing/index.js';

export interface QrAddress {
  type: string;
  name: string;
  street: string;
  building_number: string;
  postal_code: string;
  town: string;
  country: string;
}

export interface QrPayload {
  iban: string;
  creditor: QrAddress;
  amount: string;
  currency: string;
  debtor: QrAddress | null;
  referenceType: string;
  reference: string;
  message: string;
}

export function parseQrPayload(text: string): { payload: QrPayload; errors: string[] } {
  const l = text.split(/\r?\n/);
  const errors: string[] = [];
  const at = (i: number) => l[i] ?? '';
  if (at(0) !== 'SPC') errors.push('QRType must be SPC');
  if (at(1) !== '0200') errors.push('Version must be 0200');
  if (at(2) !== '1') errors.push('Coding must be 1 (UTF-8)');
  const addr = (i: number): QrAddress => ({ type: at(i), name: at(i + 1), street: at(i + 2), building_number: at(i + 3), postal_code: at(i + 4), town: at(i + 5), country: at(i + 6) });
  const creditor = addr(4);
  const debtorRaw = addr(20);
  const payload: QrPayload = {
    iban: at(3),
    creditor,
    amount: at(18),
    currency: at(19),
    debtor: debtorRaw.type === '' && debtorRaw.name === '' ? null : debtorRaw,
    referenceType: at(27),
    reference: at(28),
    message: at(29),
  };
  if (at(30) !== 'EPD') errors.push('Trailer must be EPD at line 31');
  const checkAddr = (a: QrAddress, who: string) => {
    if (a.type !== 'S') errors.push(`${who} address type must be S (structured), got "${a.type}"`);
    for (const k of ['name', 'postal_code', 'town', 'country'] as const) if (a[k] === '') errors.push(`${who} ${k} is mandatory`);
    if (!/^[A-Z]{2}$/.test(a.country)) errors.push(`${who} country must be two letters`);
  };
  checkAddr(creditor, 'creditor');
  if (payload.debtor) checkAddr(payload.debtor, 'debtor');
  for (let i = 11; i <= 17; i++) if (at(i) !== '') errors.push(`ultimate creditor (line ${i + 1}) must be empty`);
  if (!isValidIban(payload.iban) || !/^(CH|LI)/.test(payload.iban)) errors.push('IBAN must be a valid CH/LI IBAN');
  if (payload.currency !== 'CHF' && payload.currency !== 'EUR') errors.push('currency must be CHF or EUR');
  if (payload.amount !== '' && !/^\d{1,9}\.\d{2}$/.test(payload.amount)) errors.push('amount must have two decimals');
  if (isQrIban(payload.iban)) {
    if (payload.referenceType !== 'QRR' || !isValidQrReference(payload.reference)) errors.push('a QR-IBAN needs a valid QR reference (QRR)');
  } else if (payload.referenceType === 'QRR') {
    errors.push('a QR reference needs a QR-IBAN');
  } else if (payload.referenceType === 'SCOR') {
    if (!isValidCreditorReference(payload.reference)) errors.push('the creditor reference (SCOR) check digits are wrong');
  } else if (payload.referenceType !== 'NON' || payload.reference !== '') {
    errors.push('reference type must be QRR, SCOR or NON (with no reference)');
  }
  return { payload, errors };
}
